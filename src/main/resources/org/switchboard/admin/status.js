// Switchboard status page: reads /api/status every few seconds and fills the tables. Data is only ever
// put into the page as text (textContent), never as HTML.
'use strict';

const csrf = document.querySelector('meta[name="csrf-token"]').content;
const api = (path, options = {}) => fetch('api/' + path, Object.assign({
  credentials: 'same-origin',
  headers: { 'X-Switchboard-Page': '1', 'X-CSRF-Token': csrf, 'Accept': 'application/json' }
}, options)).then(async response => {
  if (response.status === 401) {
    location.reload(); // the login lapsed: the page shows the login form
    throw new Error('logged out');
  }
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
});

function text(id, value) {
  document.getElementById(id).textContent = value;
}

function rows(tableId, items, cells, emptyText) {
  const body = document.querySelector('#' + tableId + ' tbody');
  body.replaceChildren();
  if (items.length === 0) {
    const tr = body.insertRow();
    const td = tr.insertCell();
    td.colSpan = 4;
    td.className = 'none';
    td.textContent = emptyText;
    return;
  }
  for (const item of items) {
    const tr = body.insertRow();
    for (const [value, className] of cells(item)) {
      const td = tr.insertCell();
      if (className === 'pre') {
        const pre = document.createElement('pre');
        pre.textContent = value;
        td.appendChild(pre);
      } else {
        td.textContent = value;
        if (className) td.className = className;
      }
    }
  }
}

function notConfigured(section) {
  return section && section.configured === false ? 'not configured' : JSON.stringify(section);
}

function show(status) {
  const p = status.platform;
  text('platform', `${p.version} · instance ${p.instanceId} · pool ${p.applicationPool} · up ${p.uptimeSeconds} s`);
  const t = status.sip.tlsCertificate;
  text('sip', status.sip.listening.map(l => `${l.transport} ${l.address}`).join(' · ')
    + (t ? ` · TLS certificate ${t.subject}, expires ${t.notAfter} (in ${t.daysUntilExpiry} days)` : ''));
  const targets = [];
  for (const view of status.presenceViews) {
    for (const t of view.targets) targets.push({ owner: view.owner, mode: view.mode, target: t.target, state: t.state });
  }
  rows('presence-views', targets, t => [[t.owner], [t.mode], [t.target], [t.state, 'state']], 'no presence views');
  text('view-states', Object.entries(status.presenceViewStates).map(([s, n]) => `${s}: ${n}`).join(' · ') || 'no targets');
  const c = status.presence;
  text('presence-counts', `presence updates: ${c.accepted} accepted, ${c.outOfOrder} out of order, ${c.duplicates} duplicates, `
    + `${c.untimed} untimed, ${c.refused} refused, ${c.storeFailures} store failures`);
  rows('endpoints', status.endpoints, e => [[e.name], [e.kind], [e.aor], [e.gruu]], 'no endpoints');
  text('pools', `application pool ${status.pools.applicationPool}; next hop through Front End pool: ${status.pools.frontEndPool || 'none'}`);
  rows('front-end-pools', status.pools.frontEndPools, f => [[f.name], [f.nextHop], [f.users.join(', ')]], 'no Front End pools');
  const d = status.persistence;
  text('persistence', `database: ${d.persistent ? 'on' : 'off (memory only)'} · breaker ${d.breaker} · ${d.pendingWrites} writes waiting · `
    + `${d.writes} writes · ${d.retries} retries · ${d.transitions} breaker transitions · ${d.resyncs} resyncs · ${d.records} records`);
  const r = status.recovery;
  text('recovery', r.configured === false ? 'recovery: ' + r.state
    : `recovery: ${r.finished ? 'finished' : r.started ? 'running' : 'not started'} · ${r.recovered} of ${r.total} recovered in ${r.batches} batches`);
  rows('subscriptions', status.subscriptions, s => [[s.direction], [s.sipAor], [s.xmppJid], [s.state, 'state']],
    `${status.subscriptionCount} subscriptions`);
  text('registrations', Array.isArray(status.registrations)
    ? (status.registrations.length === 0 ? 'no endpoint registers'
      : status.registrations.map(r => `${r.endpoint}: ${r.state}${r.registrar ? ' at ' + r.registrar : ''}`).join(' · '))
    : notConfigured(status.registrations));
  text('xmpp', status.xmpp && status.xmpp.configured === false ? 'not configured'
    : `${status.xmpp.state}${status.xmpp.problem ? ' (' + status.xmpp.problem + ')' : ''} · XMPP users following SIP users ${status.xmpp.outgoing}`
      + ` · SIP users watching XMPP users ${status.xmpp.incoming}`);
}

function refresh() {
  api('status').then(show).catch(e => text('notice', e.message));
}

function post(path, done) {
  api(path, { method: 'POST' }).then(done).then(refresh).catch(e => text('notice', e.message));
}

document.getElementById('refresh-all').addEventListener('click',
  () => post('presence-views/refresh-all', b => text('notice', `forced refresh of ${b.queued} targets queued`)));
document.getElementById('recover-now').addEventListener('click',
  () => post('recovery/recover-now', b => text('notice', `recovery: ${b.recovered} of ${b.total} recovered`)));
document.getElementById('log-out').addEventListener('click', () => fetch('logout', {
  method: 'POST', credentials: 'same-origin', headers: { 'X-CSRF-Token': csrf }
}).then(() => location.reload()));
document.getElementById('presence-form').addEventListener('submit', event => {
  event.preventDefault();
  const presentity = document.getElementById('presentity').value;
  api('presence?presentity=' + encodeURIComponent(presentity))
    .then(p => rows('presence', p.updates, u => [[u.category], [u.publishTime || 'unknown'], [u.contentType], [u.document, 'pre']],
      'nothing stored for ' + p.presentity))
    .catch(e => text('notice', e.message));
});

refresh();
setInterval(refresh, 5000);
