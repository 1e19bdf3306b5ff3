// Hlídka console: live updates through the gateway's SSE stream, and the panic alert.
// No alarm logic here: on every new event the page asks the server for its own live part again
// (the same HTML it renders on load), so what is shown comes from the gateway's rules alone.
(function () {
  "use strict";
  var body = document.body;
  if (body.dataset.live !== "1") return;
  var content = document.getElementById("live-content");
  var slot = document.getElementById("alerts-slot");
  var state = document.getElementById("live-state");
  var sound = document.getElementById("alarm-sound");
  var enable = document.getElementById("sound-enable");
  var busy = false, again = false, timer = null, heard = "", deferred = false, waits = 0;

  function editing() {
    var el = document.activeElement;
    return el && content.contains(el) && (el.tagName === "TEXTAREA" || el.tagName === "INPUT" || el.tagName === "SELECT");
  }

  // What a person has chosen or typed in a form but not sent yet, by the control's id: a live
  // update must not reset a picked room or a ticked box between the choice and the button.
  function unsent() {
    var kept = [];
    content.querySelectorAll("input[id], select[id], textarea[id]").forEach(function (el) {
      if (el.type === "hidden") return;
      var changed;
      if (el.tagName === "SELECT") {
        changed = Array.prototype.some.call(el.options, function (o) { return o.selected !== o.defaultSelected; });
      } else if (el.type === "checkbox" || el.type === "radio") {
        changed = el.checked !== el.defaultChecked;
      } else {
        changed = el.value !== el.defaultValue;
      }
      if (changed) kept.push([el.id, el.type === "checkbox" || el.type === "radio" ? el.checked : el.value]);
    });
    return kept;
  }

  function restore(kept) {
    kept.forEach(function (pair) {
      var el = document.getElementById(pair[0]);
      if (!el) return;
      if (el.type === "checkbox" || el.type === "radio") el.checked = pair[1];
      else el.value = pair[1];
    });
  }

  function alarm() {
    var alerts = document.getElementById("alerts");
    if (!alerts) return;
    document.title = (alerts.dataset.titlePrefix || "") + body.dataset.title;
    var panic = alerts.dataset.panic || "";
    body.dataset.panic = panic ? "1" : "0";
    if (panic && panic !== heard) {
      var played = sound.play();
      if (played && played.then) {
        played.then(function () { body.dataset.sound = "playing"; enable.hidden = true; },
                    function () { body.dataset.sound = "blocked"; enable.hidden = false; });
      }
    }
    if (!panic) { sound.pause(); sound.currentTime = 0; body.dataset.sound = "off"; enable.hidden = true; }
    heard = panic;
  }

  function apply(html) {
    var doc = new DOMParser().parseFromString("<div>" + html + "</div>", "text/html");
    var alerts = doc.getElementById("alerts");
    var fresh = doc.getElementById("live-content");
    if (alerts) slot.replaceChildren(alerts);
    // Do not throw away what someone is typing (a note); update once they leave the field.
    if (fresh && !editing()) {
      // A keyboard user's focus stays where it was: on the element of the same id in the new part.
      var focused = document.activeElement;
      var keep = focused && content.contains(focused) && focused.id ? focused.id : "";
      var kept = unsent();
      content.replaceChildren.apply(content, Array.prototype.slice.call(fresh.childNodes));
      restore(kept);
      var back = keep ? document.getElementById(keep) : null;
      if (back) back.focus({ preventScroll: true });
    } else if (fresh) deferred = true;
    alarm();
    body.dataset.updated = String(Date.now());
    // A camera's image follows its event on another channel: look again shortly until it has arrived.
    if (content.querySelector("[data-pending]") && waits < 10) { waits += 1; setTimeout(soon, 1000); }
    else if (!content.querySelector("[data-pending]")) waits = 0;
  }

  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    var url = new URL(window.location.href);
    url.searchParams.set("partial", "1");
    fetch(url.toString(), { credentials: "same-origin" })
      .then(function (r) {
        if (r.status === 401) { window.location.reload(); return null; }
        return r.ok ? r.text() : null;
      })
      .then(function (html) { if (html !== null) apply(html); })
      .catch(function () { state.textContent = state.dataset.lost; })
      .then(function () { busy = false; if (again) { again = false; refresh(); } });
  }

  function soon() { clearTimeout(timer); timer = setTimeout(refresh, 80); }

  content.addEventListener("focusout", function () { if (deferred) { deferred = false; soon(); } });
  enable.addEventListener("click", function () { heard = ""; alarm(); });

  var stream = new EventSource("/api/v1/stream");
  // A panic or duress is fetched at once; other events are gathered for a moment (a burst, one fetch).
  JSON.parse(body.dataset.eventTypes).forEach(function (type) {
    var urgent = /\.(panic|duress)\./.test(type);
    stream.addEventListener(type, urgent ? refresh : soon);
  });
  stream.onopen = function () { state.textContent = state.dataset.ok; body.dataset.stream = "open"; soon(); };
  stream.onerror = function () { state.textContent = state.dataset.lost; body.dataset.stream = "lost"; };
  alarm();
})();
