// CaiEvents dashboard: a hash-routed page over the read-only JSON API. It polls the API of the current view
// every couple of seconds and re-renders only when the answer changed. Every value from the event store is
// inserted as text (never as HTML): prompts and model outputs are untrusted.
'use strict';

const POLL_MS = 2000;
const view = document.getElementById('view');
const crumbs = document.getElementById('crumbs');
const live = document.getElementById('live');
let generation = 0;
let timer = null;

// el('td', {class: 'num'}, 'text', child...) — attributes are set with setAttribute, children appended as text nodes.
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value !== null && value !== undefined && value !== false) node.setAttribute(name, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const link = (href, text, testid) => el('a', { href, 'data-testid': testid }, text);
const when = (iso) => iso ? new Date(iso).toLocaleString() : '';
const fixed = (x, digits = 6) => (x === null || x === undefined) ? '' : Number(x).toFixed(digits);
// A probability: six decimals shown, the exact stored double kept in data-value and the tooltip.
const prob = (x, testid) => el('span', { class: 'mono', 'data-testid': testid, 'data-value': String(x), title: String(x) }, fixed(x));
const rate = (x) => Number(x).toFixed(2);

function table(headers, rows, attrs) {
  return el('table', attrs || {},
    el('thead', {}, el('tr', {}, headers.map(h => typeof h === 'string' ? el('th', {}, h) : el('th', h[1], h[0])))),
    el('tbody', {}, rows));
}

function roleCell(role) {
  if (!role) return el('td', { class: 'muted' }, '—');
  return el('td', { class: 'role', 'data-testid': `role-${role.role}` },
    el('progress', { value: role.done, max: Math.max(role.expected, 1) }), ' ',
    `${role.done}/${role.expected}`, role.failed ? el('span', { class: 'error' }, ` (${role.failed} failed)`) : null);
}

const ROLES = ['generator', 'critic', 'reviser', 'labeller'];

// A chunked submit writes a run's prompts a thousand at a time: until the last is in, the run is still being submitted.
const runState = (r) => r.completed ? 'completed' : r.written < r.items ? `submitting (${r.written}/${r.items})` : 'running';

function renderRuns(data) {
  setCrumbs([['Runs']]);
  if (data.runs.length === 0) return [el('h1', {}, 'Runs'), el('p', { class: 'notice' }, 'No runs yet. Start one with ./cai run or ./cai submit.')];
  const rows = data.runs.map(r => {
    const byRole = Object.fromEntries(r.roles.map(x => [x.role, x]));
    return el('tr', { 'data-testid': 'run-row' },
      el('td', {}, link(`#/runs/${r.id}`, r.id, 'run-link')),
      el('td', {}, when(r.startedAt)),
      el('td', { class: r.completed ? 'state-completed' : 'state-running' }, runState(r)),
      el('td', { class: 'num' }, `${r.settled}/${r.items}`),
      el('td', { class: 'num' + (r.failed ? ' error' : '') }, r.failed),
      ROLES.map(name => roleCell(byRole[name])));
  });
  return [el('h1', {}, 'Runs'),
    table(['run', 'started', 'state', ['settled', { class: 'num' }], ['failed', { class: 'num' }], ...ROLES], rows, { 'data-testid': 'runs' }),
    data.runs.length >= data.listed ? el('p', { class: 'muted' }, `the ${data.listed} most recent runs`) : null];
}

function facts(pairs) {
  return el('dl', { class: 'facts' }, pairs.filter(p => p[1] !== null && p[1] !== undefined && p[1] !== '')
    .map(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

function throughputTable(t, testid) {
  if (!t) return el('p', { class: 'muted' }, 'n/a');
  const seconds = (new Date(t.until) - new Date(t.since)) / 1000;
  return [
    el('p', { 'data-testid': testid },
      `${t.events} events in ${seconds.toFixed(0)} s: ${rate(t.eventsPerSecond)} events/s, ${rate(t.itemsSettledPerSecond)} items settled/s`),
    t.byRole.length === 0 ? null : table(
      ['role', ['events', { class: 'num' }], ['events/s', { class: 'num' }], ['items', { class: 'num' }], ['items/s', { class: 'num' }]],
      t.byRole.map(r => el('tr', {}, el('td', {}, r.role), el('td', { class: 'num' }, r.events), el('td', { class: 'num' }, rate(r.eventsPerSecond)),
        el('td', { class: 'num' }, r.items), el('td', { class: 'num' }, rate(r.itemsPerSecond))))),
  ];
}

function queuesView(q) {
  if (!q.available) return el('p', { class: 'muted', 'data-testid': 'queues-na' }, `n/a — ${q.reason}`);
  if (q.queues.length === 0) return el('p', { class: 'muted', 'data-testid': 'queues' }, 'no queues declared yet');
  return table(['queue', ['ready', { class: 'num' }], ['unacked', { class: 'num' }], ['consumers', { class: 'num' }]],
    q.queues.map(x => el('tr', { 'data-testid': 'queue-row' }, el('td', { class: 'mono' }, x.name), el('td', { class: 'num' }, x.ready),
      el('td', { class: 'num' }, x.unacknowledged), el('td', { class: 'num' }, x.consumers))), { 'data-testid': 'queues' });
}

function renderRun(data) {
  const r = data.run;
  setCrumbs([['Runs', '#/'], [`run ${r.id}`]]);
  const m = r.models;
  return [
    el('h1', {}, 'Run ', el('span', { class: 'mono', 'data-testid': 'run-id' }, r.id), ' ',
      el('span', { class: r.completed ? 'state-completed' : 'state-running', 'data-testid': 'run-state' }, runState(r))),
    el('section', { class: 'card' }, facts([
      ['started', when(r.startedAt)], ['completed', when(r.completedAt)],
      ['items', `${r.samples} samples, ${r.comparisons} comparisons`], ['revisions', r.slStage ? r.revisions : 'no SL stage'],
      ['models', `generator ${m.generator}, critic ${m.critic}, reviser ${m.reviser}`],
      ['feedback', m.feedback ? `policy ${m.policy}, feedback ${m.feedback}, ${r.principlesPerLabel} principle(s), ${r.labelMode}` : null],
      ['constitution', r.constitution], ['prompts', r.promptSource], ['seed', r.seed]])),
    el('h2', {}, 'Progress per role'),
    table(['role', 'done / expected'], data.roles.map(x => el('tr', {}, el('td', {}, x.role), roleCell(x))), { 'data-testid': 'roles' }),
    r.comparisons === 0 ? null : el('p', {}, link(`#/runs/${r.id}/labels`, 'label analysis: histogram, position bias, labels nearest ½', 'labels-link')),
    el('div', { class: 'side-by-side' },
      el('div', {},
        el('h2', {}, 'Throughput, last minute'), throughputTable(data.throughput.lastMinute, 'throughput-last-minute'),
        data.throughput.wholeRun ? [el('h2', {}, 'Throughput, whole run'), throughputTable(data.throughput.wholeRun, 'throughput-whole-run')] : null),
      el('div', {}, el('h2', {}, 'Throughput over time'), chartView(data.throughputChart, `/api/runs/${r.id}/throughput`))),
    el('h2', {}, `Jobs of this run (${data.jobs.length})`),
    data.jobs.length === 0 ? el('p', { class: 'muted', 'data-testid': 'no-run-jobs' }, 'no training job has used this run\'s data yet') :
      table(['job', 'kind', 'state', 'progress', 'started'], data.jobs.map(j => el('tr', { 'data-testid': 'run-job-row', 'data-kind': j.kind },
        el('td', {}, link(`#/jobs/${j.id}`, j.id, 'run-job-link')), el('td', {}, kindName(j.kind)),
        el('td', { class: `state-${j.state}` }, j.state), el('td', {}, `${j.done}/${j.total} ${j.unit}`), el('td', {}, when(j.startedAt)))),
      { 'data-testid': 'run-jobs' }),
    el('h2', {}, 'Queue depths'), queuesView(data.queues),
    el('h2', {}, `Failures (${data.failures.length})`),
    data.failures.length === 0 ? el('p', { class: 'muted', 'data-testid': 'no-failures' }, 'none') :
      table(['item', 'prompt', 'step', 'error'], data.failures.map(f => el('tr', { 'data-testid': 'failure-row' },
        el('td', {}, link(`#/streams/${f.id}`, `${f.kind} ${f.index}`, 'failure-link')), el('td', {}, f.promptId),
        el('td', { class: 'mono' }, f.step), el('td', { class: 'error' }, f.error))), { 'data-testid': 'failures' }),
    r.comparisons === 0 ? null : [el('h2', {}, `Comparisons (${r.comparisons})`),
      table(['#', 'prompt', 'state', 'label', ['P(A preferred)', { class: 'num' }], 'stream'],
        data.comparisons.map(c => el('tr', { 'data-testid': 'comparison-row' },
        el('td', { class: 'num' }, c.index), el('td', {}, c.prompt), el('td', { class: `state-${c.status}` }, c.status),
        el('td', {}, c.labelId ? link(`#/labels/${c.labelId}`, c.labelId, 'label-link') : '—'),
        el('td', { class: 'num' }, c.probabilityA === null ? '' : prob(c.probabilityA)),
        el('td', {}, link(`#/streams/${c.id}`, 'timeline', 'comparison-timeline-link')))), { 'data-testid': 'comparisons' })],
    r.samples === 0 ? null : [el('h2', {}, `Samples (${r.samples})`),
      table(['#', 'prompt', 'state', ['rounds', { class: 'num' }], 'timeline'], data.samples.map(s => el('tr', { 'data-testid': 'sample-row' },
        el('td', { class: 'num' }, s.index), el('td', {}, s.prompt), el('td', { class: `state-${s.status}` }, s.status),
        el('td', { class: 'num' }, s.rounds), el('td', {}, link(`#/streams/${s.id}`, s.id, 'sample-link')))), { 'data-testid': 'samples' })],
    pager(r, data.page),
  ];
}

// The samples and comparisons of a run come a page at a time (by prompt index), whatever the run's size.
function pager(r, page) {
  if (page.items <= page.limit && page.offset === 0) return null;
  const end = Math.min(page.offset + page.limit, page.items);
  return el('p', { class: 'pager', 'data-testid': 'pager' },
    page.offset > 0 ? link(`#/runs/${r.id}?offset=${Math.max(page.offset - page.limit, 0)}`, '← previous', 'page-previous') : null,
    el('span', { 'data-testid': 'page-range' }, ` prompts ${page.offset + 1}–${end} of ${page.items} `),
    end < page.items ? link(`#/runs/${r.id}?offset=${end}`, 'next →', 'page-next') : null);
}

function provenanceFacts(p) {
  if (!p) return null;
  const s = p.sampling;
  return el('details', {}, el('summary', {}, `provenance: ${p.workerRole} ${p.workerInstance}${p.modelId ? ', ' + p.modelId : ''}`), facts([
    ['worker', `${p.workerRole} ${p.workerInstance}`],
    ['model', p.modelId ? `${p.modelId} (checkpoint ${p.checkpointHash})` : null],
    ['sampling', s ? `seed ${p.seed}, temperature ${s.temperature}, top_p ${s.topP}, top_k ${s.topK}, max_new_tokens ${s.maxNewTokens}` : null],
    ['principle', p.principleId],
    ['constitution', `${p.constitutionId} sha256:${p.constitutionHash}, template ${p.promptTemplateVersion}`],
    ['step', p.stepId], ['caused by', p.causationId], ['run', p.runId], ['recorded', p.recordedAt]]));
}

function timelineList(events) {
  return el('ol', { class: 'timeline', 'data-testid': 'timeline' },
    events.map(e => el('li', { class: e.type.endsWith('Failed') ? 'failed' : null, 'data-testid': 'timeline-event' },
    el('div', {}, el('span', { class: 'event-title', 'data-testid': 'event-title' }, `#${e.version} ${e.title}`), ' ',
      el('span', { class: 'muted' }, `seq ${e.sequence}, ${when(e.timestamp)}`)),
    facts(e.fields.map(f => [f.name, f.value.length > 160 || f.value.includes('\n') ? el('pre', {}, f.value) : f.value])),
    provenanceFacts(e.provenance))));
}

function renderTimeline(data) {
  setCrumbs([['Runs', '#/'], [`run ${data.runId}`, `#/runs/${data.runId}`], [`${data.kind} ${data.id}`]]);
  return [el('h1', {}, `Timeline of ${data.kind} `, el('span', { class: 'mono', 'data-testid': 'stream-id' }, data.id)),
    data.labelId ? el('p', {}, link(`#/labels/${data.labelId}`, 'audit chain of its label', 'timeline-label-link')) : null,
    timelineList(data.events)];
}

function modelLine(m) {
  return `${m.modelId} (checkpoint ${m.checkpoint}), ${m.worker}, ${when(m.recordedAt)}`;
}

function renderLabel(data) {
  setCrumbs([['Runs', '#/'], [`run ${data.runId}`, `#/runs/${data.runId}`], [`label ${data.labelId}`]]);
  const l = data.label;
  return [
    el('h1', {}, 'Audit chain of label ', el('span', { class: 'mono', 'data-testid': 'label-id' }, data.labelId)),
    el('section', { class: 'card' }, facts([
      ['comparison', link(`#/streams/${data.comparisonId}`, data.comparisonId, 'label-stream-link')],
      ['prompt', el('span', { 'data-testid': 'label-prompt' }, data.prompt)], ['prompt id', `${data.promptId} (${data.source})`]])),
    el('h2', {}, '1. The two responses'),
    data.responses ? table(['option', 'response', 'seed', 'response id'], data.responses.map(r => el('tr', { 'data-testid': 'response-row' },
      el('td', {}, r.option), el('td', {}, r.text), el('td', { class: 'mono' }, r.seed), el('td', { class: 'mono' }, r.responseId)))) : null,
    data.policy ? el('p', { 'data-testid': 'policy-model' }, 'policy: ', modelLine(data.policy)) : null,
    el('h2', {}, `2. Feedback questions (${l.judgements.length}: each principle in both option orders)`),
    table(['principle', 'order', ['log P(" (A)")', { class: 'num' }], ['log P(" (B)")', { class: 'num' }],
      ['P(first option)', { class: 'num' }], ['P(response A)', { class: 'num' }]],
      l.judgements.map((j, i) => [
        el('tr', { 'data-testid': 'judgement-row' },
          el('td', {}, el('div', { class: 'mono', 'data-testid': 'principle-id' }, j.principleId),
            el('div', { 'data-testid': 'principle-text' }, j.principleText ?? '(not in the run\'s constitution)')),
          el('td', { 'data-testid': 'judgement-order' }, j.order),
          el('td', { class: 'num mono' }, fixed(j.logProbOptionA, 4)), el('td', { class: 'num mono' }, fixed(j.logProbOptionB, 4)),
          el('td', { class: 'num' }, prob(j.probabilityFirstOption, 'judgement-first')),
          el('td', { class: 'num' }, prob(j.probabilityA, 'judgement-probability'))),
        el('tr', {}, el('td', { colspan: 6 }, el('details', {}, el('summary', {}, `feedback prompt ${i + 1} as sent`), el('pre', {}, j.renderedPrompt),
          j.reasoning ? [el('div', { class: 'muted' }, 'reasoning'), el('pre', {}, j.reasoning)] : null))),
      ]), { 'data-testid': 'judgements' }),
    el('h2', {}, '3. The label'),
    el('section', { class: 'card' }, facts([
      ['average of P(response A)', prob(l.averagedProbabilityA, 'averaged-probability')],
      ['clamping', l.mode === 'ChainOfThought' ? `[${l.clampLow}, ${l.clampHigh}] ${l.clamped ? 'applied' : 'not needed'}` : 'none'],
      ['mode', l.mode],
      ['P(A preferred)', el('span', { class: 'final' }, prob(l.probabilityA, 'final-probability'))],
      ['feedback model', el('span', { 'data-testid': 'feedback-model' }, modelLine(l.feedback))],
      ['template', l.templateVersion]])),
    el('h2', {}, '4. The comparison stream'), timelineList(data.events),
  ];
}

const KIND_NAMES = { sft: 'SL-CAI fine-tuning', pm: 'preference model', ppo: 'PPO' };
const kindName = (k) => KIND_NAMES[k] || k;

function checkpointCell(c) {
  if (!c) return el('td', { class: 'muted' }, '—');
  return el('td', {}, `${c.at}/${c.of}${c.final ? ' (final)' : ''} `,
    el('code', { 'data-testid': 'checkpoint-sha', title: c.path }, c.sha256));
}

function renderJobs(data) {
  setCrumbs([['Runs', '#/'], ['Jobs']]);
  if (data.jobs.length === 0) {
    return [el('h1', {}, 'Jobs'), el('p', { class: 'notice' }, 'No training jobs yet. Start them with ./cai sft, ./cai train-pm and ./cai ppo, or ./cai demo.')];
  }
  const rows = data.jobs.map(j => el('tr', { 'data-testid': 'job-row', 'data-kind': j.kind },
    el('td', {}, link(`#/jobs/${j.id}`, j.id, 'job-link')),
    el('td', { 'data-testid': 'job-kind' }, kindName(j.kind)),
    el('td', { class: `state-${j.state}`, 'data-testid': 'job-state' }, j.state),
    el('td', {}, j.runId ? link(`#/runs/${j.runId}`, j.runId.slice(0, 8), 'job-run-link') : '—'),
    el('td', { class: 'mono' }, j.baseModel ?? '—'),
    el('td', { class: 'role', 'data-testid': 'job-progress' },
      el('progress', { value: j.done, max: Math.max(j.total, 1) }), ` ${j.done}/${j.total} ${j.unit}`),
    checkpointCell(j.lastCheckpoint),
    el('td', { class: 'num', title: j.resumptions === null ? 'its events do not say which process wrote them' : null },
      j.resumptions === null ? 'n/a' : j.resumptions),
    el('td', {}, when(j.startedAt)),
    el('td', { class: 'error' }, j.error ?? '')));
  return [el('h1', {}, 'Jobs'),
    table(['job', 'kind', 'state', 'run', 'base model', 'progress', 'last checkpoint (sha256)', ['resumptions', { class: 'num' }], 'started', 'error'],
      rows, { 'data-testid': 'jobs' }),
    data.jobs.length >= data.listed ? el('p', { class: 'muted' }, `the ${data.listed} most recent jobs`) : null];
}

function renderJob(data) {
  const j = data.job;
  setCrumbs([['Runs', '#/'], ['Jobs', '#/jobs'], [`${kindName(j.kind)} ${j.id}`]]);
  const principles = data.perPrincipleAccuracy ? Object.entries(data.perPrincipleAccuracy) : [];
  const curves = data.charts.filter(c => c.id !== 'pm-reliability');
  return [
    el('h1', {}, `${kindName(j.kind)} job `, el('span', { class: 'mono', 'data-testid': 'job-id' }, j.id), ' ',
      el('span', { class: `state-${j.state}`, 'data-testid': 'job-state' }, j.state)),
    el('section', { class: 'card' }, facts([
      ['run', j.runId ? link(`#/runs/${j.runId}`, j.runId, 'job-run-link') : null],
      ['base model', j.baseModel], ['started', when(j.startedAt)],
      ['progress', `${j.done}/${j.total} ${j.unit}`],
      ['last checkpoint', j.lastCheckpoint ? `${j.lastCheckpoint.path} (sha256 ${j.lastCheckpoint.sha256})${j.lastCheckpoint.final ? ', final' : ''}` : null],
      ['resumptions', j.resumptions === null ? 'n/a (its events do not say which process wrote them)' : String(j.resumptions)],
      ['error', j.error]])),
    el('h2', {}, 'Curves'),
    el('div', { class: 'charts' }, curves.map(c => chartView(c, `/api/jobs/${j.id}/charts/${c.id}`))),
    reliabilityView(data, j.id),
    principles.length ? [el('h2', {}, 'Held-out accuracy per principle (last checkpoint)'),
      table(['principle', ['accuracy', { class: 'num' }]], principles.map(([p, a]) => el('tr', {}, el('td', { class: 'mono' }, p),
        el('td', { class: 'num' }, fixed(a, 3)))), { 'data-testid': 'per-principle-accuracy' })] : null,
    evaluationView(data),
    el('details', {}, el('summary', {}, 'settings (the job\'s first event)'), el('pre', {}, JSON.stringify(data.settings, null, 2))),
  ];
}

// The last PM checkpoint's held-out reliability diagram (its event's bins), or why there is none.
function reliabilityView(data, jobId) {
  if (data.reliabilityNote) {
    return [el('h2', {}, 'Reliability of the last checkpoint'), el('p', { class: 'muted', 'data-testid': 'reliability' }, data.reliabilityNote)];
  }
  const r = data.reliability;
  if (!r) return null;
  const chart = data.charts.find(c => c.id === 'pm-reliability');
  const num = (x, testid) => el('td', { class: 'num' }, x === null ? '—' : prob(x, testid));
  return [el('h2', {}, `Reliability of the last checkpoint (epoch ${r.epoch}/${r.totalEpochs})`),
    el('div', { class: 'side-by-side' },
      chart ? chartView(chart, `/api/jobs/${jobId}/charts/${chart.id}`) : null,
      el('div', {},
        el('p', { 'data-testid': 'reliability' }, `held-out ECE ${fixed(r.ece, 4)}: the count-weighted gap between each bin's mean confidence and `
          + `the share of its pairs predicted right. Checkpoint ${r.path} (sha256 ${r.sha256}).`),
        table(['confidence bin', ['pairs', { class: 'num' }], ['mean confidence', { class: 'num' }], ['predicted right', { class: 'num' }]],
          r.bins.map(b => el('tr', { 'data-testid': 'reliability-bin' },
            el('td', { class: 'mono' }, `[${fixed(b.lower, 2)}, ${fixed(b.upper, 2)}${b.upper >= 1 ? ']' : ')'}`),
            el('td', { class: 'num', 'data-testid': 'bin-count' }, b.count), num(b.meanPredicted, 'bin-mean'), num(b.observedFraction, 'bin-observed'))),
          { 'data-testid': 'reliability-bins' })))];
}

// A finished PPO job's stored start-versus-final evaluation (its PpoEvaluated event), or why there is none.
function evaluationView(data) {
  if (data.evaluationNote) {
    return [el('h2', {}, 'Start versus final evaluation'), el('p', { class: 'muted', 'data-testid': 'evaluation' }, data.evaluationNote)];
  }
  const e = data.evaluation;
  if (!e) return null;
  const row = (name, s) => el('tr', { 'data-testid': `evaluation-${name}` }, el('td', {}, name), el('td', { class: 'mono', title: s.policySha256 }, s.policy),
    el('td', { class: 'num' }, s.samples), el('td', { class: 'num' }, prob(s.meanReward, `evaluation-${name}-reward`)),
    el('td', { class: 'num' }, prob(s.rewardStderr, `evaluation-${name}-stderr`)),
    el('td', { class: 'num' }, s.meanKl === null ? '—' : prob(s.meanKl, `evaluation-${name}-kl`)));
  return [el('h2', {}, 'Start versus final evaluation'),
    el('p', { 'data-testid': 'evaluation' }, `${e.samplesPerPrompt} seeded sample(s) on each of the run's ${e.prompts} prompts (seed ${e.seed}, `
      + `at most ${e.maxNewTokens} new tokens), the same for both policies, scored by ${e.preferenceModel}; recorded ${when(e.recordedAt)}.`),
    table(['policy', 'model', ['samples', { class: 'num' }], ['mean reward', { class: 'num' }], ['± standard error', { class: 'num' }],
      ['mean KL to the start', { class: 'num' }]], [row('start', e.start), row('final', e.final)], { 'data-testid': 'evaluation-table' })];
}

// Per-principle statistics and agreement between principles (the numbers of `cai report labels`), when the API has them.
function principlesView(data) {
  if (!data.principles) return null;
  const f = (x, d = 3) => x === null || x === undefined ? 'n/a' : fixed(x, d);
  return [
    el('h2', {}, 'Per principle'),
    table(['principle', ['pairs', { class: 'num' }], ['mean P(A)', { class: 'num' }], ['spread', { class: 'num' }],
      ['mean confidence', { class: 'num' }], ['mean position bias', { class: 'num' }]],
      data.principles.map(p => el('tr', { 'data-testid': 'principle-row' }, el('td', { class: 'mono' }, p.principleId), el('td', { class: 'num' }, p.pairs),
        el('td', { class: 'num' }, f(p.meanProbabilityA)), el('td', { class: 'num' }, f(p.spreadProbabilityA)),
        el('td', { class: 'num' }, f(p.meanConfidence)), el('td', { class: 'num' }, f(p.meanPositionBias)))), { 'data-testid': 'principles' }),
    el('h2', {}, 'Agreement between principles'),
    data.agreements.length === 0 ? el('p', { class: 'muted' }, 'no pair was judged by two principles') :
      table(['principle', 'principle', ['pairs', { class: 'num' }], ['same side', { class: 'num' }]],
        data.agreements.map(a => el('tr', {}, el('td', { class: 'mono' }, a.first), el('td', { class: 'mono' }, a.second), el('td', { class: 'num' }, a.pairs),
          el('td', { class: 'num' }, f(a.agreement)))), { 'data-testid': 'agreements' }),
    el('p', { class: 'muted', 'data-testid': 'label-summary' }, `share of labels within ${data.nearHalfMargin} of ½: ${f(data.shareNearHalf)}; `
      + `position bias |P_AB − (1 − P_BA)|: mean ${f(data.meanPositionBias)}, max ${f(data.maxPositionBias)}`),
  ];
}

function renderLabels(data) {
  setCrumbs([['Runs', '#/'], [`run ${data.runId}`, `#/runs/${data.runId}`], ['labels']]);
  return [
    el('h1', {}, 'Labels of run ', el('span', { class: 'mono', 'data-testid': 'labels-run-id' }, data.runId)),
    el('p', { 'data-testid': 'label-count', 'data-value': data.labels }, `${data.labels} labels of ${data.comparisons} comparisons`),
    el('div', { class: 'charts' }, data.charts.map(c => chartView(c, `/api/runs/${data.runId}/labels/charts/${c.id}`))),
    principlesView(data),
    el('h2', {}, `Labels nearest ½ (${data.nearestHalf.length})`),
    data.nearestHalf.length === 0 ? el('p', { class: 'muted' }, 'none') :
      table(['label (audit chain)', ['P(A preferred)', { class: 'num' }], 'comparison'], data.nearestHalf.map(l => el('tr', { 'data-testid': 'nearest-half-row' },
        el('td', {}, link(`#/labels/${l.labelId}`, l.labelId, 'nearest-half-link')), el('td', { class: 'num' }, prob(l.probabilityA)),
        el('td', {}, link(`#/streams/${l.comparisonId}`, 'timeline', null)))), { 'data-testid': 'nearest-half' }),
  ];
}

function setCrumbs(parts) {
  crumbs.replaceChildren(...parts.flatMap(([text, href], i) => [i ? ' / ' : null, href ? el('a', { href }, text) : el('span', {}, text)]).filter(Boolean));
}

const ROUTES = [
  [/^#?\/?$/, () => '/api/runs', renderRuns],
  [/^#\/runs\/([0-9a-f-]{36})(?:\?offset=(\d+))?$/i, m => `/api/runs/${m[1]}${m[2] ? `?offset=${m[2]}` : ''}`, renderRun],
  [/^#\/streams\/([0-9a-f-]{36})$/i, m => `/api/streams/${m[1]}`, renderTimeline],
  [/^#\/labels\/([0-9a-f-]{36})$/i, m => `/api/labels/${m[1]}`, renderLabel],
  [/^#\/runs\/([0-9a-f-]{36})\/labels$/i, m => `/api/runs/${m[1]}/labels`, renderLabels],
  [/^#\/jobs$/, () => '/api/jobs', renderJobs],
  [/^#\/jobs\/([0-9a-f-]{36})$/i, m => `/api/jobs/${m[1]}`, renderJob],
];

async function show() {
  const mine = ++generation;
  clearTimeout(timer);
  const hash = location.hash;
  const route = ROUTES.map(([re, api, render]) => ({ m: hash.match(re), api, render })).find(r => r.m);
  if (!route) { view.replaceChildren(el('p', { class: 'notice' }, 'No such page. '), link('#/', 'All runs')); return; }
  const url = route.api(route.m);
  let last = null;
  const poll = async () => {
    try {
      const response = await fetch(url, { headers: { accept: 'application/json' } });
      const text = await response.text();
      if (mine !== generation) return;
      if (text !== last) {
        last = text;
        const data = JSON.parse(text);
        const content = response.ok ? route.render(data) : el('p', { class: 'notice error', 'data-testid': 'error' }, data.error);
        view.replaceChildren(...[content].flat(Infinity).filter(Boolean));
        view.dataset.loaded = url;
      }
      live.textContent = `live · updated ${new Date().toLocaleTimeString()}`;
      live.classList.remove('stale');
    } catch (e) {
      if (mine !== generation) return;
      live.textContent = `not reachable (${e.message}); retrying`;
      live.classList.add('stale');
    }
    if (mine === generation) timer = setTimeout(poll, POLL_MS);
  };
  await poll();
}

window.addEventListener('hashchange', show);
show();
