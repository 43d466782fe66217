// Mailroom dashboard: live updates. The server announces every run transition on
// /live/events (Server-Sent Events; the browser resends the last event id when it reconnects,
// so nothing is missed). A page says what it shows in <body data-live="...">:
//   "runs" / "approvals" / "outbox" / "leads" / "candidates" / "content": refresh the list on any transition;
//   "run:<id>,<id>...": refresh the run's story when one of these runs moves.
// The refresh fetches the same URL and swaps #live (htmx), keeping scroll and open forms.
/* global document, window, EventSource */
(function () {
  'use strict';
  var live = document.body.getAttribute('data-live');
  if (!live || typeof EventSource === 'undefined') return;
  var dot = document.getElementById('live-dot');
  var watched = live.indexOf('run:') === 0 ? live.slice(4).split(',') : null;
  var timer = null;
  var busy = false;
  // A transition that arrived while a refresh was in flight: refresh once more after it, or
  // the page would miss the last state (the run finishing right after its first transition).
  var again = false;

  function refresh() {
    timer = null;
    // Never replace a region while the person is typing in it.
    var region = document.getElementById('live');
    if (!region || (document.activeElement && region.contains(document.activeElement) && /INPUT|TEXTAREA|SELECT/.test(document.activeElement.tagName))) return;
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    var done = function () {
      busy = false;
      document.body.setAttribute('data-refreshed', String(Date.now()));
      if (again) {
        again = false;
        if (!timer) timer = setTimeout(refresh, 50);
      }
    };
    if (window.htmx) {
      window.htmx.ajax('GET', window.location.pathname + window.location.search, { target: '#live', select: '#live', swap: 'outerHTML' }).then(done, done);
    } else {
      done();
    }
  }

  var source = new EventSource('/live/events');
  source.addEventListener('open', function () {
    if (dot) dot.className = 'live-dot on';
  });
  source.addEventListener('error', function () {
    if (dot) dot.className = 'live-dot';
  });
  source.addEventListener('transition', function (e) {
    var t;
    try {
      t = JSON.parse(e.data);
    } catch {
      return;
    }
    document.body.setAttribute('data-last-event', e.lastEventId);
    if (watched && watched.indexOf(t.run_id) < 0 && watched.indexOf(t.parent_run_id) < 0) return;
    if (!timer) timer = setTimeout(refresh, watched ? 50 : 300);
  });
})();
