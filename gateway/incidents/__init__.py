"""Crisis plans at work: incidents opened by alarms, staff or drills, role steps, room roll call, reports."""
