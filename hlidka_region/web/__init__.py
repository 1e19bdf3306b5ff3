"""The region's HTTP side: the webhook endpoint, the console's JSON API and its pages."""
