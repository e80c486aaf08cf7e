// faultline report: the sequence chart, the step-through view, the run table.
// Every piece of data reaches the DOM through textContent or setAttribute on a fixed attribute
// name; nothing is ever parsed as HTML. Errors are counted into body[data-errors] so that a
// headless browser (the report test) can read them from the dumped DOM.
(function () {
  'use strict';
  var body = document.body;
  var errorCount = 0;
  function reportError(message) {
    errorCount += 1;
    body.setAttribute('data-errors', String(errorCount));
    var box = document.getElementById('errors');
    if (box) {
      box.hidden = false;
      var line = document.createElement('div');
      line.textContent = 'page error: ' + message;
      box.appendChild(line);
    }
  }
  window.addEventListener('error', function (e) { reportError(e.message || String(e.error)); });
  window.addEventListener('unhandledrejection', function (e) { reportError('unhandled rejection: ' + e.reason); });
  document.addEventListener('securitypolicyviolation', function (e) {
    reportError('blocked by the page policy: ' + e.violatedDirective + ' ' + e.blockedURI);
  });
  var consoleError = console.error;
  console.error = function () {
    reportError(Array.prototype.slice.call(arguments).join(' '));
    return consoleError.apply(console, arguments);
  };

  var SVGNS = 'http://www.w3.org/2000/svg';
  var own = Object.prototype.hasOwnProperty;
  function setAttrs(node, attrs) {
    if (!attrs) return;
    for (var k in attrs) {
      if (own.call(attrs, k) && attrs[k] !== undefined && attrs[k] !== null) node.setAttribute(k, String(attrs[k]));
    }
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    setAttrs(node, attrs);
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function svgEl(tag, attrs, text) {
    var node = document.createElementNS(SVGNS, tag);
    setAttrs(node, attrs);
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function json(value, indent) {
    var text = JSON.stringify(value, null, indent);
    return text === undefined ? String(value) : text;
  }
  function short(value, max) {
    var text = typeof value === 'string' ? value : json(value);
    return text.length > max ? text.slice(0, max - 1) + '\u2026' : text;
  }
  function has(value) { return value !== undefined && value !== null; }
  function faultShort(f) {
    if (!f || typeof f !== 'object') return 'dropped';
    switch (f.kind) {
      case 'omission': return 'omission ' + f.src + '\u2192' + f.dst + '@' + f.at;
      case 'crash': return 'crash ' + f.node + '@' + f.at;
      case 'restart': return 'restart ' + f.node + '@' + f.at;
      case 'clog': return 'clog ' + f.node + '[' + f.from + ',' + f.to + ')';
      case 'partition':
        return 'partition ' + (Array.isArray(f.groups) ? f.groups.map(function (g) {
          return Array.isArray(g) ? g.join(',') : String(g);
        }).join(' | ') : '') + ' [' + f.from + ',' + f.to + ')';
      default: return json(f);
    }
  }
  function actorOf(e) {
    if (has(e.node)) return e.node;
    if (e.kind === 'send') return e.src;
    if (e.kind === 'deliver' || e.kind === 'drop') return e.dst;
    return null;
  }
  function describe(e) {
    var text = '#' + e.id + ' ' + e.kind + ' lt ' + e.lt;
    if (e.sim_ns) text += ' sim_ns ' + e.sim_ns;
    if (has(e.src)) text += ' ' + e.src + '\u2192' + e.dst;
    if (has(e.node)) text += ' at ' + e.node;
    if (has(e.msg_id)) text += ' msg ' + e.msg_id;
    if (has(e.type)) text += ' type ' + e.type;
    if (has(e.timer)) text += ' timer ' + e.timer;
    if (has(e.process)) text += ' process ' + e.process;
    if (has(e.f)) text += ' f ' + e.f;
    if (has(e.cause)) text += ' cause ' + faultShort(e.cause);
    if (has(e.fault)) text += ' fault ' + faultShort(e.fault);
    if (has(e.reason)) text += ' \u2014 ' + e.reason;
    return text;
  }
  function details(e) {
    var text = describe(e);
    var fields = ['payload', 'value', 'fact', 'state_patch', 'state', 'parents'];
    for (var i = 0; i < fields.length; i++) {
      if (own.call(e, fields[i]) && e[fields[i]] !== undefined) text += '\n' + fields[i] + ': ' + short(json(e[fields[i]], 1), 4000);
    }
    return text;
  }

  // RFC 7386 merge patch, copy-on-write (states share structure; nothing is mutated).
  function isObject(v) { return v !== null && typeof v === 'object' && !Array.isArray(v); }
  function define(target, key, value) {
    Object.defineProperty(target, key, { value: value, enumerable: true, writable: true, configurable: true });
  }
  function mergePatch(target, patch) {
    if (!isObject(patch)) return patch;
    var out = {};
    if (isObject(target)) Object.keys(target).forEach(function (k) { define(out, k, target[k]); });
    Object.keys(patch).forEach(function (k) {
      if (patch[k] === null) delete out[k];
      else define(out, k, mergePatch(own.call(out, k) ? out[k] : undefined, patch[k]));
    });
    return out;
  }

  // The run: lanes, messages, client operations, crashes; states are folded on demand.
  function Model(run) {
    var self = this;
    this.run = run;
    this.events = Array.isArray(run.events) ? run.events : [];
    this.lanes = [];
    this.laneOf = new Map();
    (run.nodes || []).forEach(function (node) { self.addLane(String(node), 'node', 'n:' + node); });
    this.messages = new Map();
    this.ops = [];
    this.opAt = new Map();
    this.downs = [];
    var openOps = new Map();
    var crashed = new Map();
    this.events.forEach(function (e, row) {
      if (e.kind === 'send' && has(e.msg_id)) {
        self.messages.set(e.msg_id, { send: row, end: null, kind: null });
      } else if ((e.kind === 'deliver' || e.kind === 'drop') && has(e.msg_id)) {
        var m = self.messages.get(e.msg_id);
        if (m) { m.end = row; m.kind = e.kind; }
      } else if (e.kind === 'invoke' || e.kind === 'ok' || e.kind === 'fail' || e.kind === 'info') {
        var key = 'p:' + e.process;
        if (!self.laneOf.has(key)) {
          var names = run.clients || [];
          var name = typeof e.process === 'number' && names[e.process] !== undefined ? names[e.process] : 'client ' + e.process;
          self.addLane(String(name), 'client', key);
        }
        if (e.kind === 'invoke') {
          var op = { lane: self.laneOf.get(key), invoke: row, end: null, kind: 'pending' };
          openOps.set(key, op);
          self.ops.push(op);
          self.opAt.set(row, op);
        } else if (openOps.has(key)) {
          var open = openOps.get(key);
          open.end = row;
          open.kind = e.kind;
          openOps.delete(key);
        }
      } else if (e.kind === 'crash' && has(e.node)) {
        crashed.set(e.node, row);
      } else if (e.kind === 'restart' && has(e.node) && crashed.has(e.node)) {
        self.downs.push({ node: e.node, from: crashed.get(e.node), to: row });
        crashed.delete(e.node);
      }
    });
    crashed.forEach(function (from, node) { self.downs.push({ node: node, from: from, to: self.events.length }); });
    this.states = null;
  }
  Model.prototype.addLane = function (name, kind, key) {
    this.laneOf.set(key, this.lanes.length);
    this.lanes.push({ name: name, kind: kind });
  };
  Model.prototype.nodeLane = function (node) {
    var index = this.laneOf.get('n:' + node);
    return index === undefined ? null : index;
  };
  Model.prototype.sendRow = function (e, row) {
    var m = has(e.msg_id) ? this.messages.get(e.msg_id) : undefined;
    return m ? m.send : row;
  };
  // states[k] = every node's state before event k (k = events.length: after the last one).
  Model.prototype.foldStates = function () {
    if (this.states) return this.states;
    var nodes = this.run.nodes || [];
    var initial = this.run.initial_state || {};
    var current = nodes.map(function (n) { return own.call(initial, n) ? initial[n] : null; });
    var states = [current];
    for (var k = 0; k < this.events.length; k++) {
      var e = this.events[k];
      var changed = own.call(e, 'state') || isObject(e.state_patch);
      if (changed) {
        var lane = this.nodeLane(actorOf(e));
        if (lane !== null) {
          current = current.slice();
          current[lane] = own.call(e, 'state') ? e.state : mergePatch(current[lane], e.state_patch);
        }
      }
      states.push(current);
    }
    this.states = states;
    return states;
  };

  // The sequence chart: lanes across, events down (one row each), drawn block by block as
  // they scroll into view, so that 10^4 events cost what the visible ones cost.
  var BLOCK = 200;
  var GUTTER = 84;
  var PAD = 8;
  function Chart(container, model, onSelect) {
    this.container = container;
    this.model = model;
    this.onSelect = onSelect;
    var n = model.events.length;
    this.rowH = n > 3000 ? 12 : n > 600 ? 16 : 22;
    var lanes = Math.max(1, model.lanes.length);
    this.laneW = Math.max(96, Math.min(220, Math.floor((container.clientWidth - GUTTER - 80) / lanes)));
    this.selected = null;
    this.failing = has(model.run.failing_event) ? model.run.failing_event : null;
    this.head = el('div', { 'class': 'lanes-head' });
    this.svg = svgEl('svg', { 'class': 'seq' });
    container.appendChild(this.head);
    container.appendChild(this.svg);
    var self = this;
    container.addEventListener('scroll', function () { self.renderVisible(); });
    container.addEventListener('wheel', function (ev) {
      if (!ev.ctrlKey) return;
      ev.preventDefault();
      self.zoom(ev.deltaY < 0 ? 1.25 : 0.8);
    }, { passive: false });
    var tooltip = document.getElementById('tooltip');
    container.addEventListener('mousemove', function (ev) {
      var row = self.rowAt(ev.clientY);
      if (row === null || !tooltip) { if (tooltip) tooltip.hidden = true; return; }
      tooltip.textContent = details(model.events[row]);
      tooltip.hidden = false;
      var x = Math.min(ev.clientX + 14, window.innerWidth - 540);
      tooltip.style.left = Math.max(0, x) + 'px';
      tooltip.style.top = Math.min(ev.clientY + 14, window.innerHeight - 120) + 'px';
    });
    container.addEventListener('mouseleave', function () { if (tooltip) tooltip.hidden = true; });
    container.addEventListener('click', function (ev) {
      var row = self.rowAt(ev.clientY);
      if (row !== null) self.onSelect(row);
    });
    this.rebuild();
  }
  Chart.prototype.X = function (lane) { return GUTTER + lane * this.laneW + this.laneW / 2; };
  Chart.prototype.Y = function (row) { return PAD + row * this.rowH + this.rowH / 2; };
  Chart.prototype.rowAt = function (clientY) {
    var rect = this.svg.getBoundingClientRect();
    var row = Math.floor((clientY - rect.top - PAD) / this.rowH);
    return row >= 0 && row < this.model.events.length ? row : null;
  };
  Chart.prototype.rebuild = function () {
    var model = this.model;
    var n = model.events.length;
    // Room on the right for the last lane's labels and the "LTL fails here" mark.
    var width = GUTTER + model.lanes.length * this.laneW + 170;
    var height = PAD * 2 + n * this.rowH;
    this.svg.textContent = '';
    this.head.textContent = '';
    this.head.style.width = width + 'px';
    setAttrs(this.svg, { width: width, height: height, viewBox: '0 0 ' + width + ' ' + height });
    // A short run gets a short chart; a long one scrolls inside at most 560 px.
    this.container.style.height = Math.min(560, height + 48) + 'px';
    var defs = svgEl('defs');
    var marker = svgEl('marker', { id: 'seq-arrow', viewBox: '0 0 8 8', refX: 8, refY: 4, markerWidth: 7, markerHeight: 7, orient: 'auto' });
    marker.appendChild(svgEl('path', { d: 'M0,0L8,4L0,8z', fill: '#34495e' }));
    defs.appendChild(marker);
    this.svg.appendChild(defs);
    var back = svgEl('g', { 'class': 'back' });
    this.svg.appendChild(back);
    var self = this;
    var top = function (row) { return PAD + row * self.rowH; };
    (model.run.windows || []).forEach(function (w) {
      var lanes = (w.nodes || []).map(function (node) { return model.nodeLane(node); }).filter(function (l) { return l !== null; });
      if (!lanes.length) return;
      var first = Math.min.apply(null, lanes), last = Math.max.apply(null, lanes);
      var x = self.X(first) - self.laneW / 2 + 3;
      var y = top(w.from_row);
      var h = Math.max(3, top(w.to_row) - y);
      back.appendChild(svgEl('rect', { 'class': w.kind === 'partition' ? 'partition' : 'clog', x: x, y: y, width: (last - first + 1) * self.laneW - 6, height: h }));
      back.appendChild(svgEl('text', { 'class': 'window-label', x: x + 3, y: y + 10 }, short(String(w.label), 40)));
    });
    model.downs.forEach(function (d) {
      var lane = model.nodeLane(d.node);
      if (lane === null) return;
      back.appendChild(svgEl('rect', { 'class': 'down', x: self.X(lane) - self.laneW / 2 + 6, y: top(d.from), width: self.laneW - 12, height: Math.max(2, top(d.to) - top(d.from)) }));
    });
    if (this.failing !== null && this.failing < n) {
      back.appendChild(svgEl('rect', { 'class': 'ltl-fail', x: 2, y: top(this.failing), width: width - 4, height: this.rowH }));
      back.appendChild(svgEl('text', { 'class': 'ltl-fail-label', x: width - 6, y: this.Y(this.failing) + 3, 'text-anchor': 'end' }, 'LTL fails here'));
    }
    model.lanes.forEach(function (lane, i) {
      back.appendChild(svgEl('line', { 'class': lane.kind === 'client' ? 'lane client' : 'lane', 'data-lane': lane.name, x1: self.X(i), x2: self.X(i), y1: 0, y2: height }));
      var label = el('div', { 'class': lane.kind, title: lane.name }, lane.name);
      label.style.left = self.X(i) + 'px';
      self.head.appendChild(label);
    });
    this.selection = svgEl('rect', { 'class': 'selected', x: 0, y: -100, width: width, height: this.rowH });
    back.appendChild(this.selection);
    this.blocks = svgEl('g', { 'class': 'blocks' });
    this.svg.appendChild(this.blocks);
    this.rendered = new Set();
    if (n <= 2000) {
      for (var b = 0; b * BLOCK < n; b++) this.renderBlock(b);
    } else {
      this.renderVisible();
    }
    this.select(this.selected);
  };
  Chart.prototype.renderVisible = function () {
    var n = this.model.events.length;
    var top = this.container.scrollTop;
    var bottom = top + (this.container.clientHeight || 600);
    var first = Math.max(0, Math.floor((top - PAD) / this.rowH / BLOCK) - 1);
    var last = Math.min(Math.ceil(n / BLOCK) - 1, Math.floor((bottom - PAD) / this.rowH / BLOCK) + 1);
    for (var b = first; b <= last; b++) this.renderBlock(b);
  };
  Chart.prototype.renderBlock = function (b) {
    if (this.rendered.has(b)) return;
    this.rendered.add(b);
    var model = this.model;
    var g = svgEl('g', { 'data-block': b });
    var end = Math.min(model.events.length, (b + 1) * BLOCK);
    for (var row = b * BLOCK; row < end; row++) this.drawEvent(g, row);
    this.blocks.appendChild(g);
  };
  Chart.prototype.drawEvent = function (g, row) {
    var model = this.model;
    var e = model.events[row];
    var y = this.Y(row);
    var labels = this.rowH >= 11;
    if (labels) {
      g.appendChild(svgEl('text', { 'class': 'gutter', x: 4, y: y + 3 }, '#' + row + (model.run.time_model === 'rounds' ? ' r' : ' lt ') + e.lt));
    }
    var lane = model.nodeLane(actorOf(e));
    var x = lane === null ? null : this.X(lane);
    switch (e.kind) {
      case 'send': {
        if (x === null) break;
        g.appendChild(svgEl('circle', { 'class': 'dot', cx: x, cy: y, r: 2.5 }));
        var m = has(e.msg_id) ? model.messages.get(e.msg_id) : undefined;
        var to = model.nodeLane(e.dst);
        if (m && m.end === null && to !== null) {
          g.appendChild(svgEl('line', { 'class': 'msg inflight', x1: x, y1: y, x2: (x + this.X(to)) / 2, y2: y + this.rowH * 1.5 }));
          if (labels) g.appendChild(svgEl('text', { 'class': 'mtype', x: (x + this.X(to)) / 2 + 4, y: y + this.rowH * 1.5 }, 'in flight'));
        }
        break;
      }
      case 'deliver':
      case 'drop': {
        var from = model.nodeLane(e.src), dst = model.nodeLane(e.dst);
        if (from === null || dst === null) break;
        var y0 = this.Y(model.sendRow(e, row));
        var x0 = this.X(from), x1 = this.X(dst);
        var dropped = e.kind === 'drop';
        g.appendChild(svgEl('line', { 'class': dropped ? 'msg dropped' : 'msg', x1: x0, y1: y0, x2: x1, y2: y, 'marker-end': dropped ? null : 'url(#seq-arrow)' }));
        if (dropped) {
          g.appendChild(svgEl('text', { 'class': 'drop-x', x: x1, y: y + 4, 'text-anchor': 'middle', 'data-event': row }, '\u2715'));
          g.appendChild(svgEl('text', { 'class': 'drop-cause', x: x1 + 9, y: y + 3 }, faultShort(e.cause)));
        } else if (labels && has(e.type)) {
          g.appendChild(svgEl('text', { 'class': 'mtype', x: (x0 + x1) / 2, y: (y0 + y) / 2 - 2, 'text-anchor': 'middle' }, short(String(e.type), 24)));
        }
        break;
      }
      case 'crash':
      case 'restart': {
        if (x === null) break;
        var crash = e.kind === 'crash';
        var word = crash ? (has(e.reason) && !has(e.fault) ? 'panic' : 'crash') : 'restart';
        g.appendChild(svgEl('rect', { 'class': crash ? 'crash-box' : 'restart-box', x: x - 25, y: y - 7, width: 50, height: 14, rx: 2 }));
        g.appendChild(svgEl('text', { 'class': 'box-label', x: x, y: y + 3.5, 'text-anchor': 'middle' }, word));
        break;
      }
      case 'derive':
        if (x === null) break;
        g.appendChild(svgEl('path', { 'class': 'derive', d: 'M' + x + ',' + (y - 4) + 'l4,4l-4,4l-4,-4z' }));
        if (labels) g.appendChild(svgEl('text', { 'class': 'mtype', x: x + 7, y: y + 3 }, short(e.fact, 28)));
        break;
      case 'timer_set':
      case 'timer_fire':
      case 'timer_cancel':
        if (x === null) break;
        g.appendChild(svgEl('circle', { 'class': e.kind === 'timer_fire' ? 'dot' : 'timer', cx: x, cy: y, r: 3 }));
        break;
      case 'invoke': {
        var op = model.opAt.get(row);
        if (!op) break;
        var endRow = op.end === null ? model.events.length - 1 : op.end;
        var ox = this.X(op.lane);
        var oy = PAD + row * this.rowH + 1;
        g.appendChild(svgEl('rect', { 'class': 'op ' + op.kind, x: ox - 6, y: oy, width: 12, height: Math.max(4, (endRow - row + 1) * this.rowH - 2), rx: 2 }));
        if (labels) g.appendChild(svgEl('text', { x: ox + 9, y: y + 3 }, short(String(e.f) + ' ' + short(e.value, 60), 64)));
        break;
      }
      case 'ok':
      case 'fail':
      case 'info': {
        var cl = model.laneOf.get('p:' + e.process);
        if (labels && cl !== undefined) g.appendChild(svgEl('text', { x: this.X(cl) + 9, y: y + 3 }, e.kind + ' ' + short(e.value, 56)));
        break;
      }
      default:
        if (x !== null) g.appendChild(svgEl('circle', { 'class': 'dot', cx: x, cy: y, r: 1.8 }));
    }
  };
  Chart.prototype.zoom = function (factor) {
    var c = this.container;
    var centre = (c.scrollTop + c.clientHeight / 2) / this.rowH;
    this.rowH = Math.max(3, Math.min(48, this.rowH * factor));
    this.rebuild();
    c.scrollTop = Math.max(0, centre * this.rowH - c.clientHeight / 2);
    this.renderVisible();
  };
  Chart.prototype.fit = function () {
    var n = Math.max(1, this.model.events.length);
    this.rowH = Math.max(3, Math.min(48, (this.container.clientHeight - 50) / n));
    this.rebuild();
    this.container.scrollTop = 0;
    this.renderVisible();
  };
  Chart.prototype.select = function (row) {
    this.selected = row;
    if (!this.selection) return;
    this.selection.setAttribute('y', row === null ? -100 : PAD + row * this.rowH);
    this.selection.setAttribute('height', this.rowH);
  };
  Chart.prototype.reveal = function (row) {
    var c = this.container;
    var y = PAD + row * this.rowH;
    if (y < c.scrollTop + 30 || y > c.scrollTop + c.clientHeight - 30) c.scrollTop = Math.max(0, y - c.clientHeight / 2);
    this.renderVisible();
  };

  // The step-through view: one event at a time, every node's state before and after it.
  function Stepper(container, model, chart) {
    this.model = model;
    this.chart = chart;
    var n = model.events.length;
    var self = this;
    var bar = el('div', { 'class': 'bar' });
    this.prev = el('button', { type: 'button', title: 'previous event (\u2190)' }, '\u25c0');
    this.next = el('button', { type: 'button', title: 'next event (\u2192)' }, '\u25b6');
    this.slider = el('input', { type: 'range', min: 0, max: Math.max(0, n - 1), value: 0, 'aria-label': 'event' });
    this.position = el('span', { 'class': 'mono' });
    bar.appendChild(this.prev);
    bar.appendChild(this.slider);
    bar.appendChild(this.next);
    bar.appendChild(this.position);
    this.event = el('div', { 'class': 'event mono' });
    var cols = el('div', { 'class': 'cols' });
    var left = el('div');
    left.appendChild(el('h3', null, 'Node states'));
    this.table = el('table');
    left.appendChild(this.table);
    var right = el('div');
    right.appendChild(el('h3', null, 'Lineage parents'));
    this.parents = el('ul');
    right.appendChild(this.parents);
    right.appendChild(el('h3', null, 'Messages in flight after it'));
    this.flight = el('ul');
    right.appendChild(this.flight);
    cols.appendChild(left);
    cols.appendChild(right);
    container.appendChild(bar);
    container.appendChild(this.event);
    container.appendChild(cols);
    this.prev.addEventListener('click', function () { self.show(self.index - 1); });
    this.next.addEventListener('click', function () { self.show(self.index + 1); });
    this.slider.addEventListener('input', function () { self.show(Number(self.slider.value), true); });
    document.addEventListener('keydown', function (ev) {
      var t = ev.target;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA')) return;
      if (ev.key === 'ArrowRight') self.show(self.index + 1);
      else if (ev.key === 'ArrowLeft') self.show(self.index - 1);
      else if (ev.key === 'Home') self.show(0);
      else if (ev.key === 'End') self.show(n - 1);
      else return;
      ev.preventDefault();
    });
    this.index = -1;
    if (n > 0) this.show(has(model.run.failing_event) && model.run.failing_event < n ? model.run.failing_event : 0, true);
  }
  Stepper.prototype.show = function (k, fromSlider) {
    var model = this.model;
    var n = model.events.length;
    if (n === 0) return;
    k = Math.max(0, Math.min(n - 1, k));
    this.index = k;
    if (!fromSlider) this.slider.value = String(k);
    var e = model.events[k];
    this.position.textContent = 'event ' + k + ' of ' + (n - 1);
    this.event.textContent = details(e);
    var states = model.foldStates();
    var before = states[k], after = states[k + 1];
    this.table.textContent = '';
    var head = el('tr');
    ['node', 'before', 'after'].forEach(function (h) { head.appendChild(el('th', null, h)); });
    this.table.appendChild(head);
    var self = this;
    (model.run.nodes || []).forEach(function (node, i) {
      var changed = before[i] !== after[i];
      var tr = el('tr', { 'class': changed ? 'changed' : null });
      tr.appendChild(el('td', null, String(node)));
      var b = el('td');
      b.appendChild(el('pre', null, json(before[i], 1)));
      tr.appendChild(b);
      var a = el('td');
      a.appendChild(el('pre', null, changed ? json(after[i], 1) : '(unchanged)'));
      tr.appendChild(a);
      self.table.appendChild(tr);
    });
    this.parents.textContent = '';
    var parents = Array.isArray(e.parents) ? e.parents.slice() : [];
    if ((e.kind === 'deliver' || e.kind === 'drop') && has(e.msg_id)) {
      var m = model.messages.get(e.msg_id);
      if (m && parents.indexOf(m.send) < 0) parents.unshift(m.send);
    }
    if (!parents.length) this.parents.appendChild(el('li', null, 'none recorded'));
    parents.forEach(function (p) {
      var li = el('li');
      var parent = model.events[p];
      var button = el('button', { type: 'button' }, parent ? describe(parent) : '#' + p);
      button.addEventListener('click', function () { self.show(p); });
      li.appendChild(button);
      self.parents.appendChild(li);
    });
    this.flight.textContent = '';
    var shown = 0, total = 0;
    model.messages.forEach(function (m, id) {
      if (m.send > k || (m.end !== null && m.end <= k)) return;
      total += 1;
      if (shown >= 200) return;
      shown += 1;
      var s = model.events[m.send];
      self.flight.appendChild(el('li', { 'class': 'mono' }, 'msg ' + id + ' ' + s.src + '\u2192' + s.dst + (has(s.type) ? ' ' + s.type : '') + ' sent at #' + m.send + (m.end === null ? ' (never arrives)' : ' (' + m.kind + ' at #' + m.end + ')')));
    });
    if (total === 0) this.flight.appendChild(el('li', null, 'none'));
    else if (total > shown) this.flight.appendChild(el('li', null, '\u2026 and ' + (total - shown) + ' more'));
    if (this.chart) { this.chart.select(k); this.chart.reveal(k); }
  };

  function runsTable(rows) {
    var tbody = document.querySelector('#runs-table tbody');
    var filter = document.getElementById('runs-filter');
    var outcome = document.getElementById('runs-outcome');
    var count = document.getElementById('runs-count');
    if (!tbody || !filter || !outcome || !count) return;
    var SHOWN_MAX = 2000;
    function refresh() {
      var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
      var want = outcome.value;
      var matched = rows.filter(function (r) {
        if (want && r[1] !== want) return false;
        var text = (String(r[2]) + ' #' + r[0]).toLowerCase();
        return words.every(function (w) { return text.indexOf(w) >= 0; });
      });
      tbody.textContent = '';
      matched.slice(0, SHOWN_MAX).forEach(function (r) {
        var tr = el('tr', { 'class': String(r[1]) });
        tr.appendChild(el('td', null, String(r[0])));
        tr.appendChild(el('td', null, String(r[1])));
        tr.appendChild(el('td', null, r[2] ? String(r[2]) : 'no faults'));
        tr.appendChild(el('td', null, typeof r[3] === 'number' ? r[3].toFixed(2) + ' ms' : '\u2014'));
        tbody.appendChild(tr);
      });
      count.textContent = matched.length + ' of ' + rows.length + ' runs' + (matched.length > SHOWN_MAX ? ' (first ' + SHOWN_MAX + ' shown)' : '');
    }
    filter.addEventListener('input', refresh);
    outcome.addEventListener('change', refresh);
    refresh();
  }

  function copyButton() {
    var button = document.getElementById('copy-repro');
    var code = document.getElementById('reproducer');
    if (!button || !code) return;
    button.addEventListener('click', function () {
      var text = code.textContent;
      var done = function () { button.textContent = 'Copied'; };
      var fallback = function () {
        var range = document.createRange();
        range.selectNodeContents(code);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        try { document.execCommand('copy'); done(); } catch (err) { button.textContent = 'Select + Ctrl+C'; }
      };
      if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text).then(done, fallback);
      else fallback();
    });
  }

  // The lineage in Graphviz DOT, as `faultline lineage --dot` prints it.
  function toDot(l) {
    var out = 'digraph lineage {\n  rankdir=TB;\n';
    l.labels.forEach(function (label, i) {
      var shape = l.kinds[i] === 0 ? 'doubleoctagon' : l.kinds[i] === 1 ? 'diamond' : 'box';
      out += '  n' + i + ' [shape=' + shape + ', label="' + String(label).replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"];\n';
    });
    l.edges.forEach(function (e) { out += '  n' + e[0] + ' -> n' + e[1] + ';\n'; });
    return out + '}\n';
  }

  // A large lineage, drawn from the layout computed in Rust when its <details> opens.
  var KIND_NAMES = ['goal', 'or', 'and'];
  function shortLabel(label) { return label.length > 46 ? label.slice(0, 45) + '\u2026' : label; }
  function drawLineage(box, l) {
    var d = l.drawing;
    var root = svgEl('svg', { 'class': 'lineage', width: d.width, height: d.height, viewBox: '0 0 ' + d.width + ' ' + d.height });
    var defs = svgEl('defs');
    var marker = svgEl('marker', { id: 'lin-arrow', viewBox: '0 0 8 8', refX: 8, refY: 4, markerWidth: 7, markerHeight: 7, orient: 'auto' });
    marker.appendChild(svgEl('path', { d: 'M0,0L8,4L0,8z' }));
    defs.appendChild(marker);
    root.appendChild(defs);
    var edges = svgEl('g', { 'class': 'edges' });
    d.paths.forEach(function (p, i) {
      var points = [];
      for (var k = 0; k + 1 < p.length; k += 2) points.push(p[k] + ',' + p[k + 1]);
      var e = l.edges[i];
      var broken = l.broken[e[0]] && l.broken[e[1]];
      // No arrowheads here: every edge runs downwards, and thousands of markers slow the
      // browser down more than everything else in the drawing.
      edges.appendChild(svgEl('polyline', { 'class': broken ? 'edge broken' : 'edge', points: points.join(' ') }));
    });
    root.appendChild(edges);
    var vertices = svgEl('g', { 'class': 'vertices' });
    d.boxes.forEach(function (b, i) {
      var g = svgEl('g', { 'class': 'v ' + KIND_NAMES[l.kinds[i]] + (l.broken[i] ? ' broken' : ''), 'data-vertex': i, 'data-event': l.events[i] >= 0 ? l.events[i] : null });
      g.appendChild(svgEl('title', null, String(l.labels[i])));
      g.appendChild(svgEl('rect', { x: b[0], y: b[1], width: b[2], height: b[3], rx: l.kinds[i] === 1 ? 10 : 3 }));
      g.appendChild(svgEl('text', { x: b[0] + 10, y: b[1] + b[3] / 2 + 4 }, shortLabel(String(l.labels[i]))));
      vertices.appendChild(g);
    });
    root.appendChild(vertices);
    box.appendChild(root);
  }
  function lineageSection(l) {
    var lazy = document.getElementById('lineage-lazy');
    if (lazy && l.drawing) {
      lazy.addEventListener('toggle', function () {
        var box = lazy.querySelector('.lineage-wrap');
        if (lazy.open && box && !box.firstChild) drawLineage(box, l);
      });
    }
  }

  function dotButton(lineage) {
    var button = document.getElementById('download-dot');
    if (!button) return;
    if (!lineage) { button.hidden = true; return; }
    button.addEventListener('click', function () {
      var url = URL.createObjectURL(new Blob([toDot(lineage)], { type: 'text/vnd.graphviz' }));
      var link = el('a', { href: url, download: 'lineage.dot' });
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
    });
  }

  // Timings (ms since navigation start) for scripts/bench-report.sh.
  var scriptStart = performance.now();
  // Opened as page.html#selftest, the page drives its own controls and writes what it saw
  // into body[data-selftest] (the browser test reads it from the dumped DOM).
  function selfTest(chart, stepper, runs) {
    var results = [];
    function check(name, ok) {
      results.push(name + (ok ? ':ok' : ':FAIL'));
      if (!ok) reportError('self-test failed: ' + name);
    }
    if (chart && stepper) {
      var n = chart.model.events.length;
      var before = chart.rowH;
      document.getElementById('zoom-in').click();
      check('zoom-in', chart.rowH > before);
      document.getElementById('zoom-out').click();
      check('zoom-out', Math.abs(chart.rowH - before) < 1e-9);
      var row = Math.min(1, n - 1);
      var at = function (r) {
        var rect = chart.svg.getBoundingClientRect();
        return { clientX: rect.left + GUTTER / 2, clientY: rect.top + PAD + r * chart.rowH + chart.rowH / 2, bubbles: true };
      };
      chart.container.dispatchEvent(new MouseEvent('mousemove', at(row)));
      var tip = document.getElementById('tooltip');
      check('hover', !tip.hidden && tip.textContent.indexOf('#' + row + ' ') === 0);
      chart.container.dispatchEvent(new MouseEvent('click', at(row)));
      check('click-steps', stepper.index === row);
      stepper.show(0);
      document.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true }));
      check('arrow-key', stepper.index === Math.min(1, n - 1));
      document.dispatchEvent(new KeyboardEvent('keydown', { key: 'End', bubbles: true }));
      check('end-key', stepper.index === n - 1);
      check('states', document.querySelectorAll('#step table tr').length === (chart.model.run.nodes || []).length + 1);
    }
    var filter = document.getElementById('runs-filter');
    if (filter && runs) {
      filter.value = 'crash';
      filter.dispatchEvent(new Event('input'));
      var expected = runs.filter(function (r) { return String(r[2]).toLowerCase().indexOf('crash') >= 0; }).length;
      check('runs-filter', document.querySelectorAll('#runs-table tbody tr').length === Math.min(expected, 2000));
      filter.value = '';
      filter.dispatchEvent(new Event('input'));
    }
    body.setAttribute('data-selftest', results.join(' '));
  }

  var data = JSON.parse(document.getElementById('report-data').textContent);
  var parsed = performance.now();
  copyButton();
  dotButton(data.lineage);
  if (data.lineage) lineageSection(data.lineage);
  if (Array.isArray(data.runs)) runsTable(data.runs);
  var stepper = null;
  if (data.run) {
    var model = new Model(data.run);
    var chartBox = document.getElementById('chart');
    var chart = chartBox ? new Chart(chartBox, model, function (row) { if (stepper) stepper.show(row); }) : null;
    var stepBox = document.getElementById('step');
    if (stepBox) stepper = new Stepper(stepBox, model, chart);
    if (chart && chart.failing !== null) chart.reveal(chart.failing);
    [['zoom-in', function () { chart.zoom(1.5); }], ['zoom-out', function () { chart.zoom(1 / 1.5); }],
      ['zoom-fit', function () { chart.fit(); }]].forEach(function (pair) {
      var button = document.getElementById(pair[0]);
      if (button && chart) button.addEventListener('click', pair[1]);
    });
    body.setAttribute('data-lanes', String(model.lanes.length));
  }
  if (location.hash === '#selftest') selfTest(chart || null, stepper, Array.isArray(data.runs) ? data.runs : null);
  document.addEventListener('click', function (ev) {
    var target = ev.target;
    var holder = target && target.closest ? target.closest('[data-event]') : null;
    if (!holder || !stepper || holder.closest('#chart')) return;
    var id = Number(holder.getAttribute('data-event'));
    if (Number.isInteger(id)) {
      stepper.show(id);
      document.getElementById('step-section').scrollIntoView({ behavior: 'smooth' });
    }
  });
  body.setAttribute('data-script-start-ms', scriptStart.toFixed(1));
  body.setAttribute('data-parsed-ms', parsed.toFixed(1));
  body.setAttribute('data-render-ms', performance.now().toFixed(1));
  body.setAttribute('data-ready', '1');
})();
