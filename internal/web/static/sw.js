// Synapse service worker, served as /sw.js (scope: the whole site). It shows
// the Web Push notifications that Service.PushNotify sends, with their
// action buttons, and acts on a click with no Synapse tab open: a button
// with a URL is POSTed to it (same site, with the browser's cookies);
// anything else opens the notification's URL. The payload is JSON:
// {title, body, url, tag, timestamp, actions: [{action, title, url}]}.
'use strict';

self.addEventListener('install', function () { self.skipWaiting(); });
self.addEventListener('activate', function (ev) { ev.waitUntil(self.clients.claim()); });

// sameSite resolves u against this site and returns it only if it stays
// on this site.
function sameSite(u) {
  try {
    var x = new URL(u, self.location.origin);
    return x.origin === self.location.origin ? x.href : null;
  } catch (e) {
    return null;
  }
}

self.addEventListener('push', function (ev) {
  var d;
  try {
    d = ev.data ? ev.data.json() : {};
  } catch (e) {
    d = { body: ev.data ? ev.data.text() : '' };
  }
  var actions = Array.isArray(d.actions) ? d.actions.slice(0, 4) : [];
  ev.waitUntil(self.registration.showNotification(String(d.title || 'Synapse'), {
    body: String(d.body || ''),
    tag: d.tag ? String(d.tag) : undefined,
    renotify: !!d.tag,
    timestamp: typeof d.timestamp === 'number' ? d.timestamp : Date.now(),
    data: { url: d.url || '/', actions: actions },
    actions: actions.map(function (a) { return { action: String(a.action), title: String(a.title) }; })
  }));
});

// focusOrOpen brings a tab of this site to url, or opens one.
function focusOrOpen(url) {
  return self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then(function (list) {
    var i;
    for (i = 0; i < list.length; i++) {
      if (list[i].url === url && 'focus' in list[i]) { return list[i].focus(); }
    }
    for (i = 0; i < list.length; i++) {
      if ('navigate' in list[i] && sameSite(list[i].url)) {
        return list[i].navigate(url).then(function (c) { return c ? c.focus() : self.clients.openWindow(url); });
      }
    }
    return self.clients.openWindow(url);
  });
}

self.addEventListener('notificationclick', function (ev) {
  var n = ev.notification;
  var data = n.data || {};
  n.close();
  var act = null;
  if (ev.action) {
    (data.actions || []).forEach(function (a) { if (a.action === ev.action) { act = a; } });
  }
  if (act && act.url) {
    var target = sameSite(act.url);
    if (!target) { return; }
    ev.waitUntil(fetch(target, {
      method: 'POST',
      credentials: 'include',
      headers: { 'X-Requested-With': 'synapse-sw', 'X-Synapse-Action': String(act.action) }
    }).then(function (resp) {
      if (!resp.ok) { throw new Error('status ' + resp.status); }
    }).catch(function () {
      return self.registration.showNotification('Synapse', {
        body: '“' + String(act.title) + '” did not work. Open Synapse to try again.',
        tag: n.tag || undefined,
        data: { url: data.url || '/', actions: [] }
      });
    }));
    return;
  }
  ev.waitUntil(focusOrOpen(sameSite(data.url || '/') || self.location.origin + '/'));
});
