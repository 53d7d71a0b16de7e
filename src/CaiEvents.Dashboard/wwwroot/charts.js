// CaiEvents dashboard charts: inline SVG drawn from a chart's JSON ({id, title, xLabel, yLabel, kind, series, note, binWidth}),
// with no library and no build step. Colours come from CSS variables, so light and dark mode both read. Each chart keeps its
// numbers in data-series (the JSON it was drawn from) and in a table under "numbers", for people and tests alike.
'use strict';

const SVG_NS = 'http://www.w3.org/2000/svg';
const CHART_W = 560, CHART_H = 240;
const PAD = { left: 62, right: 14, top: 12, bottom: 40 };

function svgEl(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value !== null && value !== undefined) node.setAttribute(name, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// About five round tick values covering [lo, hi].
function niceTicks(lo, hi) {
  if (!(hi > lo)) { const d = Math.abs(lo) * 0.1 || 1; lo -= d; hi += d; }
  const raw = (hi - lo) / 5;
  const magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map(f => f * magnitude).find(s => s >= raw);
  // The axis runs from the tick at or below the lowest value to the tick at or above the highest.
  const first = Math.floor(lo / step + 1e-9), last = Math.ceil(hi / step - 1e-9);
  const ticks = [];
  for (let k = first; k <= last; k++) ticks.push(Number((k * step).toPrecision(12)));
  return { lo: ticks[0], hi: ticks[ticks.length - 1], ticks };
}

const tickText = (t) => Math.abs(t) >= 1e4 || (Math.abs(t) < 1e-3 && t !== 0) ? t.toExponential(1) : String(Number(t.toPrecision(4)));

function chartDomain(chart) {
  const points = chart.series.flatMap(s => s.points);
  const xs = points.map(p => p.x), ys = points.map(p => p.y).filter(y => y !== null);
  if (chart.kind === 'scatter') return { x: niceTicks(0, 1), y: niceTicks(0, 1) };
  const xLo = xs.length ? Math.min(...xs) : 0, xHi = xs.length ? Math.max(...xs) + (chart.binWidth || 0) : 1;
  let yLo = ys.length ? Math.min(...ys) : 0, yHi = ys.length ? Math.max(...ys) : 1;
  if (chart.kind === 'bars') yLo = Math.min(0, yLo);
  return { x: niceTicks(xLo, xHi), y: niceTicks(yLo, yHi) };
}

function chartSvg(chart) {
  const d = chartDomain(chart);
  const plotW = CHART_W - PAD.left - PAD.right, plotH = CHART_H - PAD.top - PAD.bottom;
  const sx = (x) => PAD.left + (x - d.x.lo) / (d.x.hi - d.x.lo) * plotW;
  const sy = (y) => PAD.top + plotH - (y - d.y.lo) / (d.y.hi - d.y.lo) * plotH;
  const parts = [];
  for (const t of d.y.ticks) {
    parts.push(svgEl('line', { class: 'grid', x1: PAD.left, x2: PAD.left + plotW, y1: sy(t), y2: sy(t) }));
    parts.push(svgEl('text', { class: 'tick', x: PAD.left - 6, y: sy(t) + 4, 'text-anchor': 'end' }, tickText(t)));
  }
  for (const t of d.x.ticks) {
    parts.push(svgEl('line', { class: 'axis', x1: sx(t), x2: sx(t), y1: PAD.top + plotH, y2: PAD.top + plotH + 4 }));
    parts.push(svgEl('text', { class: 'tick', x: sx(t), y: PAD.top + plotH + 16, 'text-anchor': 'middle' }, tickText(t)));
  }
  parts.push(svgEl('line', { class: 'axis', x1: PAD.left, x2: PAD.left + plotW, y1: PAD.top + plotH, y2: PAD.top + plotH }));
  parts.push(svgEl('line', { class: 'axis', x1: PAD.left, x2: PAD.left, y1: PAD.top, y2: PAD.top + plotH }));
  parts.push(svgEl('text', { class: 'label', x: PAD.left + plotW / 2, y: CHART_H - 4, 'text-anchor': 'middle' }, chart.xLabel));
  parts.push(svgEl('text', { class: 'label', x: 12, y: PAD.top + plotH / 2, 'text-anchor': 'middle',
    transform: `rotate(-90 12 ${PAD.top + plotH / 2})` }, chart.yLabel));
  if (chart.kind === 'scatter') parts.push(svgEl('line', { class: 'diagonal', x1: sx(0), y1: sy(0), x2: sx(1), y2: sy(1) }));
  chart.series.forEach((s, i) => {
    const cls = `series-${i % 6}`;
    const tip = (p) => svgEl('title', {}, `${s.name}: ${chart.xLabel} ${p.x}, ${chart.yLabel} ${p.y}`);
    if (chart.kind === 'bars') {
      const w = Math.max(1, sx(d.x.lo + chart.binWidth) - sx(d.x.lo) - 2);
      for (const p of s.points) {
        parts.push(svgEl('rect', { class: `bar ${cls}`, x: sx(p.x) + 1, y: sy(p.y), width: w, height: Math.max(0, sy(d.y.lo > 0 ? d.y.lo : 0) - sy(p.y)) }, tip(p)));
      }
      return;
    }
    if (chart.kind === 'line') {
      // A null value breaks the line: the job could not compute it.
      let path = '', pen = false;
      for (const p of s.points) {
        if (p.y === null) { pen = false; continue; }
        path += `${pen ? 'L' : 'M'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`;
        pen = true;
      }
      if (path) parts.push(svgEl('path', { class: `line ${cls}`, d: path }));
    }
    for (const p of s.points) {
      if (p.y === null) continue;
      parts.push(svgEl('circle', { class: `dot ${cls}`, cx: sx(p.x), cy: sy(p.y), r: chart.kind === 'scatter' ? 4 : 2.5 }, tip(p)));
    }
  });
  return svgEl('svg', { viewBox: `0 0 ${CHART_W} ${CHART_H}`, role: 'img', 'aria-label': chart.title, class: 'chart-svg' }, parts);
}

function chartTable(chart) {
  const xs = [...new Set(chart.series.flatMap(s => s.points.map(p => p.x)))];
  if (chart.kind !== 'scatter') xs.sort((a, b) => a - b);
  const headers = [chart.xLabel, ...chart.series.map(s => s.name)];
  const rows = chart.kind === 'scatter'
    ? chart.series.flatMap(s => s.points.map(p => el('tr', {}, el('td', { class: 'num' }, p.x), el('td', { class: 'num' }, p.y))))
    : xs.map(x => el('tr', {}, el('td', { class: 'num' }, x),
      chart.series.map(s => { const p = s.points.find(q => q.x === x); return el('td', { class: 'num' }, p && p.y !== null ? p.y : ''); })));
  return el('table', { 'data-testid': 'chart-table' },
    el('thead', {}, el('tr', {}, (chart.kind === 'scatter' ? [chart.xLabel, chart.yLabel] : headers).map(h => el('th', { class: 'num' }, h)))),
    el('tbody', {}, rows));
}

// A chart as a figure: title, the SVG, a legend when it has several series, its note, and its numbers.
function chartView(chart, endpoint) {
  const legend = chart.series.length < 2 ? null : el('div', { class: 'legend' },
    chart.series.map((s, i) => el('span', { class: `key series-${i % 6}` }, s.name)));
  const empty = chart.series.every(s => s.points.length === 0);
  return el('figure', { class: 'chart', 'data-testid': 'chart', 'data-chart': chart.id, 'data-series': JSON.stringify(chart.series) },
    el('figcaption', {}, chart.title),
    empty ? el('p', { class: 'muted' }, 'no points yet') : chartSvg(chart),
    legend,
    chart.note ? el('p', { class: 'muted note' }, chart.note) : null,
    el('details', {}, el('summary', {}, 'numbers'), endpoint ? el('p', {}, 'JSON: ', el('a', { href: endpoint }, endpoint)) : null, chartTable(chart)));
}
