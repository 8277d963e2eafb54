// Synapse web UI: makes server-rendered pages live. Pages work without it.
// It never builds markup from text: new content comes from the server's own
// (escaped) pages, and text is set with textContent.
(function () {
  'use strict';

  var body = document.body;
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute('content') : '';

  function each(sel, fn, root) {
    Array.prototype.forEach.call((root || document).querySelectorAll(sel), fn);
  }

  // Sign-up: suggest the browser's time zone for daily summaries.
  each('input[data-detect-timezone]', function (input) {
    if (!input.value && window.Intl) {
      try { input.value = Intl.DateTimeFormat().resolvedOptions().timeZone || ''; } catch (e) { /* keep empty */ }
    }
  });

  // Copy buttons: copy the value of the input they name. Hidden until
  // script shows them (without script, the field is selected by hand).
  each('button[data-copy]', function (btn) {
    var input = document.getElementById(btn.getAttribute('data-copy'));
    var status = btn.parentNode.querySelector('[data-copy-status]');
    if (!input) { return; }
    btn.hidden = false;
    btn.addEventListener('click', function () {
      input.select();
      var done = function () { if (status) { status.textContent = 'Copied.'; } };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(input.value).then(done, function () { if (status) { status.textContent = 'Press Ctrl+C (⌘C) to copy.'; } });
      } else {
        try { if (document.execCommand('copy')) { done(); } } catch (e) { /* selected: copy by hand */ }
      }
    });
  });

  // Forms marked data-fetch are sent by script (the page stays, live
  // updates show the result); without script they post normally.
  document.addEventListener('submit', function (ev) {
    var form = ev.target;
    if (!form.hasAttribute || !form.hasAttribute('data-fetch') || !window.fetch) { return; }
    ev.preventDefault();
    var status = form.querySelector('[data-form-status]');
    var buttons = form.querySelectorAll('button');
    Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
    if (status) { status.textContent = form.getAttribute('data-busy') || ''; }
    var multipart = form.enctype === 'multipart/form-data';
    var headers = { 'X-Requested-With': 'fetch', 'X-CSRF-Token': csrf };
    if (!multipart) { headers['Content-Type'] = 'application/x-www-form-urlencoded'; }
    fetch(form.action, {
      method: 'POST',
      credentials: 'same-origin',
      headers: headers,
      body: multipart ? new FormData(form) : new URLSearchParams(new FormData(form)).toString()
    }).then(function (resp) {
      if (status) { status.textContent = ''; }
      if (resp.ok) {
        if (form.hasAttribute('data-clear')) {
          each('textarea, input[type=text], input[type=file]', function (el) { el.value = ''; }, form);
          each('[data-attached]', function (el) { el.textContent = ''; }, form);
          cancelReply(form);
        }
        if (form.hasAttribute('data-refresh')) { refresh(true); }
        return '';
      }
      if (resp.status === 401) { return 'You are signed out. Reload the page to sign in again.'; }
      return resp.text();
    }).then(function (msg) {
      if (msg && status) { status.textContent = msg; }
    }).catch(function () {
      if (status) { status.textContent = 'Could not reach Synapse. Try again.'; }
    }).then(function () {
      Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; });
    });
  });

  // A composer whose Enter sends (Shift+Enter adds a line), as in WhatsApp.
  document.addEventListener('keydown', function (ev) {
    var t = ev.target;
    if (ev.key !== 'Enter' || ev.shiftKey || ev.isComposing || !t || t.tagName !== 'TEXTAREA') { return; }
    var form = t.form;
    if (!form || !form.hasAttribute('data-enter-sends')) { return; }
    ev.preventDefault();
    var file = form.querySelector('input[type=file]');
    if (t.value.trim() === '' && !(file && file.value)) { return; }
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
  });

  // Replying to a message: the composer shows the quote and sends its id;
  // without script the Reply link opens the page with the quote instead.
  function cancelReply(form) {
    var bar = form && form.querySelector('[data-replying]');
    if (!bar) { return; }
    bar.hidden = true;
    var id = bar.querySelector('[data-reply-id]');
    if (id) { id.value = ''; }
  }
  document.addEventListener('click', function (ev) {
    var a = ev.target && ev.target.closest ? ev.target.closest('[data-reply], [data-reply-cancel]') : null;
    if (!a) { return; }
    var form = document.getElementById('composer');
    if (!form) { return; }
    ev.preventDefault();
    if (a.hasAttribute('data-reply-cancel')) { cancelReply(form); return; }
    var bar = form.querySelector('[data-replying]');
    bar.querySelector('[data-reply-id]').value = a.getAttribute('data-reply');
    bar.querySelector('[data-reply-from]').textContent = a.getAttribute('data-reply-from');
    bar.querySelector('[data-reply-text]').textContent = a.getAttribute('data-reply-text');
    bar.hidden = false;
    var text = form.querySelector('textarea');
    if (text) { text.focus(); }
  });
  document.addEventListener('change', function (ev) {
    var input = ev.target;
    if (!input || !input.hasAttribute || !input.hasAttribute('data-attach')) { return; }
    var shown = input.form && input.form.querySelector('[data-attached]');
    if (shown) { shown.textContent = input.files && input.files[0] ? ' · attached: ' + input.files[0].name : ''; }
  });

  // A conversation shows its newest message, at the bottom.
  function stickBottom(el) {
    if (el && el.hasAttribute('data-stick-bottom')) { el.scrollTop = el.scrollHeight; }
  }
  each('[data-stick-bottom]', function (el) {
    if (location.hash && document.getElementById(location.hash.slice(1))) { return; }
    stickBottom(el);
  });

  // Delete in one step: the browser asks, then the item goes without a trip
  // through the confirmation page (which remains the way without script).
  document.addEventListener('click', function (ev) {
    var a = ev.target.closest && ev.target.closest('a[data-quick-delete]');
    if (!a || !window.fetch || ev.ctrlKey || ev.metaKey || ev.shiftKey) { return; }
    ev.preventDefault();
    var label = (a.querySelector('.sr') || {}).textContent || '';
    if (!window.confirm('Delete' + label + ' for good?')) { return; }
    fetch(a.href, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'X-Requested-With': 'fetch', 'X-CSRF-Token': csrf, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'csrf=' + encodeURIComponent(csrf)
    }).then(function (resp) {
      if (!resp.ok) { window.alert('It could not be deleted. Reload the page and try again.'); return; }
      var list = a.getAttribute('href').replace(/\/[^/]+\/delete$/, '');
      if (location.pathname === list) { refresh(); } else { location.href = list + '?ok=deleted'; }
    }).catch(function () { window.alert('Synapse could not be reached. Try again.'); });
  });

  // Dialogs opened by a link (the keyboard shortcuts).
  document.addEventListener('click', function (ev) {
    var a = ev.target.closest && ev.target.closest('[data-open-dialog]');
    if (!a) { return; }
    var d = document.getElementById(a.getAttribute('data-open-dialog'));
    if (d && d.showModal) { ev.preventDefault(); d.showModal(); }
  });

  // Keyboard shortcuts: "/" searches, "g" then a letter goes to a page,
  // "?" lists them. Typing in a field is never taken.
  var goto = { d: '/', c: '/chats', t: '/tasks', n: '/notes', i: '/ideas', b: '/bookmarks', p: '/locations',
    g: '/gallery', v: '/voice-memos', s: '/summaries', w: '/connect' };
  var gPressed = 0;
  document.addEventListener('keydown', function (ev) {
    if (!body.hasAttribute('data-signed-in') || ev.ctrlKey || ev.metaKey || ev.altKey || ev.isComposing) { return; }
    var t = ev.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) { return; }
    if (document.querySelector('dialog[open]') && ev.key !== '?') { return; }
    if (ev.key === '/') {
      var q = ['search-q', 'q'].map(function (id) { return document.getElementById(id); })
        .filter(function (el) { return el && el.offsetParent !== null; })[0];
      ev.preventDefault();
      if (q) { q.focus(); q.select(); } else { location.href = '/search'; }
      return;
    }
    if (ev.key === '?') {
      var d = document.getElementById('shortcuts');
      if (d && d.showModal) { ev.preventDefault(); if (d.open) { d.close(); } else { d.showModal(); } }
      return;
    }
    if (gPressed && Date.now() - gPressed < 1500 && goto[ev.key]) {
      gPressed = 0;
      ev.preventDefault();
      location.href = goto[ev.key];
      return;
    }
    gPressed = ev.key === 'g' ? Date.now() : 0;
  });

  // The image viewer: arrow keys go to the next images, Escape back to the
  // gallery (the links say which key does what).
  if (document.querySelector('[data-viewer]')) {
    document.addEventListener('keydown', function (ev) {
      var t = ev.target;
      if (ev.ctrlKey || ev.metaKey || ev.altKey || (t && /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) { return; }
      var a = document.querySelector('[data-viewer] a[data-key="' + ev.key + '"]');
      if (a) { ev.preventDefault(); location.href = a.href; }
    });
  }

  // Forms that post normally but may take a while say so.
  document.addEventListener('submit', function (ev) {
    var form = ev.target;
    if (!form.hasAttribute || form.hasAttribute('data-fetch') || !form.hasAttribute('data-busy')) { return; }
    var status = form.querySelector('[data-form-status]');
    if (status) { status.textContent = form.getAttribute('data-busy'); }
    Array.prototype.forEach.call(form.querySelectorAll('button'), function (b) { b.setAttribute('aria-disabled', 'true'); });
  });

  // "Next try in 1 min 31 s" until a failed connection is retried.
  function inWords(s) {
    if (s >= 60) { return Math.floor(s / 60) + ' min ' + (s % 60) + ' s'; }
    return s + ' s';
  }

  // QR countdown.
  function tick() {
    each('[data-retry-at]', function (el) {
      var left = Math.round((Date.parse(el.getAttribute('data-retry-at')) - Date.now()) / 1000);
      el.textContent = left > 0 ? inWords(left) : 'a moment (trying now)';
    });
    each('[data-expires]', function (el) {
      var out = document.getElementById(el.getAttribute('data-countdown'));
      if (!out) { return; }
      var left = Math.round((Date.parse(el.getAttribute('data-expires')) - Date.now()) / 1000);
      out.textContent = left > 0 ? 'This code changes in ' + left + ' s.' : 'This code has expired; a new one is on its way.';
    });
  }
  tick();
  setInterval(tick, 1000);

  if (!body.hasAttribute('data-signed-in') || !window.EventSource) { return; }

  // Live region refresh: fetch this page again and swap its #live part.
  var pending = null;
  var liveTypes = (body.getAttribute('data-live') || '').split(' ').filter(Boolean);
  var liveChat = body.getAttribute('data-chat') || '';

  function schedule(delay) {
    if (pending) { return; }
    pending = setTimeout(function () { pending = null; refresh(); }, delay);
  }

  function refresh(toBottom) {
    var cur = document.getElementById('live');
    if (!cur) { return; }
    var atBottom = toBottom === true || (cur.scrollHeight - cur.scrollTop - cur.clientHeight < 48);
    fetch(location.href, { credentials: 'same-origin', headers: { 'X-Requested-With': 'live' } }).then(function (resp) {
      if (!resp.ok || resp.redirected) { return null; }
      return resp.text();
    }).then(function (html) {
      if (!html) { return; }
      var doc = new DOMParser().parseFromString(html, 'text/html');
      var fresh = doc.getElementById('live');
      cur = document.getElementById('live');
      if (!fresh || !cur) { return; }
      var focused = document.activeElement && document.activeElement.id;
      var known = {};
      each('[id]', function (el) { known[el.id] = true; }, cur);
      var node = document.importNode(fresh, true);
      each('[id]', function (el) {
        if (!known[el.id] && el.hasAttribute('data-item')) { el.classList.add('fresh'); }
      }, node);
      var top = cur.scrollTop;
      cur.replaceWith(node);
      if (node.hasAttribute('data-stick-bottom')) {
        if (atBottom) { stickBottom(node); } else { node.scrollTop = top; }
      }
      if (focused) {
        var again = document.getElementById(focused);
        if (again) { again.focus(); }
      }
      tick();
    }).catch(function () { /* the next event tries again */ });
  }

  // Session status and QR codes.
  function setStatus(st) {
    if (!st || !st.status) { return; }
    body.setAttribute('data-status', st.status);
    each('[data-session-status]', function (el) { el.textContent = st.status; });
    each('[data-session-label]', function (el) { el.textContent = labels[st.status] || st.status; });
    each('[data-session-reason]', function (el) {
      el.textContent = st.reason || '';
      el.hidden = !st.reason;
    });
    each('[data-show-when]', function (el) {
      el.hidden = el.getAttribute('data-show-when').split(' ').indexOf(st.status) < 0;
    });
    each('[data-retry]', function (el) {
      el.hidden = !st.retryAt;
      var at = el.querySelector('[data-retry-at]');
      if (at && st.retryAt) { at.setAttribute('data-retry-at', st.retryAt); }
    });
    each('[data-retry-none]', function (el) { el.hidden = !!st.retryAt; });
    tick();
    if (st.me) {
      each('[data-me-name]', function (el) { el.textContent = st.me.pushName || ''; });
      each('[data-me-phone]', function (el) { el.textContent = phone(st.me.jid); });
    }
    var img = document.getElementById('qr');
    if (img && st.status === 'SCAN_QR_CODE' && !img.getAttribute('src')) { loadQR(); }
  }
  var labels = {
    STOPPED: 'Not connected', STARTING: 'Starting…', SCAN_QR_CODE: 'Waiting for the QR scan',
    WORKING: 'Connected', FAILED: 'Failed'
  };
  function phone(jid) {
    var m = /^(\d+)(?::\d+)?@s\.whatsapp\.net$/.exec(jid || '');
    return m ? '+' + m[1] : (jid || '');
  }
  function showQR(q) {
    var img = document.getElementById('qr');
    if (!img || !q || typeof q.qr !== 'string' || q.qr.indexOf('data:image/png;base64,') !== 0) { return; }
    img.setAttribute('src', q.qr);
    img.setAttribute('data-expires', q.expiresAt);
    img.hidden = false;
    each('[data-qr-placeholder]', function (el) { el.hidden = true; });
    tick();
  }
  function loadQR() {
    fetch('/connect/qr', { credentials: 'same-origin', headers: { 'X-Requested-With': 'fetch' } }).then(function (resp) {
      return resp.status === 200 ? resp.json() : null;
    }).then(showQR).catch(function () { /* the next code arrives as an event */ });
  }

  // One stream per page. It is closed when the page is left (browsers
  // allow few connections per site, and a page kept for "back" must not
  // hold one) and opened again if the page comes back.
  var opened = false;
  var es = null;
  function data(ev) {
    try { return JSON.parse(ev.data).data; } catch (e) { return null; }
  }
  function connect() {
    es = new EventSource('/realtime');
    es.addEventListener('session.status', function (ev) {
      setStatus(data(ev));
      if (opened && liveTypes.length) {
        // Reconnected: catch up with what happened meanwhile.
        schedule(50);
      }
      opened = true;
      body.setAttribute('data-live-ready', '');
    });
    es.addEventListener('session.qr', function (ev) { showQR(data(ev)); });
    es.addEventListener('history.progress', function (ev) {
      var p = data(ev);
      var el = document.querySelector('[data-history]');
      if (!p || !el) { return; }
      var counts = p.chats + (p.chats === 1 ? ' chat, ' : ' chats, ') + p.messages + (p.messages === 1 ? ' message' : ' messages');
      el.textContent = p.done ? 'Chat history imported from your phone: ' + counts + '.'
        : 'Importing your chat history from the phone: ' + counts + ' so far…';
      el.hidden = false;
    });
    es.addEventListener('reminder.due', function (ev) {
      var r = data(ev);
      var el = document.querySelector('[data-reminder-notice]');
      if (!r || !el) { return; }
      el.querySelector('[data-reminder-text]').textContent = '⏰ ' + r.title + ' is due.';
      el.hidden = false;
    });
    liveTypes.forEach(function (type) {
      es.addEventListener(type, function (ev) {
        if (liveChat) {
          var m = data(ev);
          if (!m || m.chatId !== liveChat) { return; }
        }
        schedule(type === 'message' ? 150 : 400);
      });
    });
  }
  window.addEventListener('pagehide', function () {
    if (es) { es.close(); es = null; }
  });
  window.addEventListener('pageshow', function (ev) {
    if (ev.persisted && !es) { connect(); }
  });
  connect();
  // Settings: browser notifications. The browser asks permission,
  // subscribes with the server's VAPID key and the subscription is posted
  // to Synapse; the service worker (/sw.js) shows what is pushed.
  each('[data-push]', function (box) {
    var nojs = box.querySelector('[data-push-nojs]');
    var state = box.querySelector('[data-push-state]');
    var buttons = box.querySelector('[data-push-buttons]');
    var enable = box.querySelector('[data-push-enable]');
    var disable = box.querySelector('[data-push-disable]');
    if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) {
      nojs.textContent = 'This browser cannot show notifications from websites (on an iPhone or iPad, add Synapse to the home screen first).';
      return;
    }
    nojs.hidden = true;
    buttons.hidden = false;
    function key() {
      var b64 = box.getAttribute('data-push-key').replace(/-/g, '+').replace(/_/g, '/');
      var raw = atob(b64 + '===='.slice(b64.length % 4 || 4));
      var out = new Uint8Array(raw.length);
      for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
      return out;
    }
    function sameKey(sub) {
      var k = sub.options && sub.options.applicationServerKey;
      if (!k) { return true; }
      var a = new Uint8Array(k), b = key();
      if (a.length !== b.length) { return false; }
      for (var i = 0; i < a.length; i++) { if (a[i] !== b[i]) { return false; } }
      return true;
    }
    function post(path, sub) {
      var j = sub.toJSON();
      var form = new URLSearchParams();
      form.set('endpoint', j.endpoint);
      if (j.keys) { form.set('p256dh', j.keys.p256dh || ''); form.set('auth', j.keys.auth || ''); }
      return fetch(path, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'X-Requested-With': 'fetch', 'X-CSRF-Token': csrf, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: form.toString()
      }).then(function (resp) {
        if (!resp.ok) { throw new Error('status ' + resp.status); }
      });
    }
    function show(sub, msg) {
      enable.hidden = !!sub;
      disable.hidden = !sub;
      if (msg) { state.textContent = msg; return; }
      if (sub) {
        state.textContent = 'This browser shows your notifications.';
      } else if (Notification.permission === 'denied') {
        state.textContent = 'Notifications are blocked for this site in the browser’s settings.';
      } else {
        state.textContent = 'This browser shows no notifications.';
      }
    }
    var reg = navigator.serviceWorker.register('/sw.js', { scope: '/' });
    function current() {
      return reg.then(function (r) { return r.pushManager.getSubscription(); });
    }
    function subscribe() {
      return reg.then(function (r) {
        return r.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key() });
      }).then(function (sub) {
        return post('/settings/push/subscribe', sub).then(function () { return sub; });
      });
    }
    // A subscription made with a key this server no longer has is
    // renewed; a kept one is posted again (it may belong to another
    // account that signed in here before).
    current().then(function (sub) {
      if (!sub || Notification.permission !== 'granted') { show(null); return; }
      if (!sameKey(sub)) {
        return sub.unsubscribe().then(subscribe).then(function (s) { show(s); });
      }
      return post('/settings/push/subscribe', sub).then(function () { show(sub); });
    }).catch(function () { show(null, 'Could not check this browser’s notifications.'); });
    enable.addEventListener('click', function () {
      enable.disabled = true;
      Notification.requestPermission().then(function (p) {
        if (p !== 'granted') { show(null); return; }
        return subscribe().then(function () { location.assign('/settings?ok=pushon#push'); });
      }).catch(function () {
        show(null, 'This browser could not subscribe. Try again later.');
      }).then(function () { enable.disabled = false; });
    });
    disable.addEventListener('click', function () {
      disable.disabled = true;
      current().then(function (sub) {
        if (!sub) { return; }
        return post('/settings/push/unsubscribe', sub).then(function () { return sub.unsubscribe(); });
      }).then(function () {
        location.assign('/settings?ok=pushoff#push');
      }).catch(function () {
        show(null, 'Could not turn notifications off. Try again.');
      }).then(function () { disable.disabled = false; });
    });
  });
})();
