// Hlídka regional console: the page's live part, fetched again every few seconds and swapped in.
// No state is decided here: the server renders the same template it renders on load (?partial=1),
// so what is shown comes from the region's store alone. Unlike a reload, the swap keeps the
// keyboard focus (the same link or button gets it back) and the scroll position; a note or form
// field being typed in is not overwritten (the swap waits until the field is left).
(function () {
  "use strict";
  var body = document.body;
  var every = Number(body.dataset.liveS || "0") * 1000;
  if (!every) return;
  var content = document.getElementById("live-content");
  var state = document.getElementById("live-state");
  var busy = false, shown = content.innerHTML;

  // What identifies a focusable element across two renders of the same page.
  function keyOf(el) {
    if (!el || el === body || !content.contains(el)) return null;
    if (el.id) return "#" + el.id;
    var form = el.form ? el.form.getAttribute("action") : "";
    return [el.tagName, el.getAttribute("href") || "", form || "", el.getAttribute("name") || "",
            el.textContent.trim()].join("|");
  }

  function find(key) {
    if (key.charAt(0) === "#") return document.getElementById(key.slice(1));
    var all = content.querySelectorAll("a, button, input, select, textarea, [tabindex]");
    for (var i = 0; i < all.length; i += 1) { if (keyOf(all[i]) === key) return all[i]; }
    return null;
  }

  function typing() {
    var el = document.activeElement;
    return el && content.contains(el) && (el.tagName === "TEXTAREA" || el.tagName === "SELECT" ||
      (el.tagName === "INPUT" && el.type !== "hidden" && el.type !== "submit" && el.type !== "button"));
  }

  function apply(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var fresh = doc.body;
    if (fresh.innerHTML === shown || typing()) return;
    var focused = keyOf(document.activeElement);
    content.replaceChildren.apply(content, Array.prototype.slice.call(fresh.childNodes));
    shown = content.innerHTML;
    if (focused) {
      var again = find(focused);
      if (again) again.focus({ preventScroll: true });
    }
    body.dataset.updated = String(Date.now());
  }

  function refresh() {
    if (busy) return;
    busy = true;
    var url = new URL(window.location.href);
    url.searchParams.set("partial", "1");
    fetch(url.toString(), { credentials: "same-origin", redirect: "follow" })
      .then(function (r) {
        // The session ended: the server sends the login page; go there for real.
        if (r.redirected || r.status === 401) { window.location.reload(); return null; }
        return r.ok ? r.text() : null;
      })
      .then(function (html) {
        if (html !== null) { apply(html); state.textContent = state.dataset.ok; body.dataset.live = "ok"; }
      })
      .catch(function () { state.textContent = state.dataset.lost; body.dataset.live = "lost"; })
      .then(function () { busy = false; });
  }

  setInterval(refresh, every);
})();
