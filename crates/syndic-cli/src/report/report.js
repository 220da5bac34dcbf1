// syndic report: builds the page from the JSON data embedded in #report-data, on demand.
// Document text only ever reaches the DOM through textContent or SVG text nodes, never as HTML.
// Data layout: see crates/syndic-cli/src/cmd/report.rs.
(function () {
  'use strict';

  // ---- errors are recorded in the page, so a headless test can read them ----
  var errors = [];
  function recordError(message) {
    errors.push(String(message));
    var el = document.getElementById('errors');
    if (el) {
      el.hidden = false;
      el.textContent = 'Errors: ' + errors.join(' | ');
    }
  }
  window.addEventListener('error', function (e) {
    recordError(e.message || ((e.target && e.target.tagName) + ' failed to load'));
  }, true);
  window.addEventListener('unhandledrejection', function (e) {
    recordError('unhandled rejection: ' + e.reason);
  });
  document.addEventListener('securitypolicyviolation', function (e) {
    recordError('blocked by the content security policy: ' + e.violatedDirective + ' ' + e.blockedURI);
  });

  var PAGE = 25;            // stories per page
  var MAX_LANES = 8;        // timeline rows before "other families"
  var MAX_BARS = 12;        // family-size bars per story
  var MEMBERS_SHOWN = 200;  // members listed per family before "show all"
  var FAMILIES_SHOWN = 50;  // families listed per story at a time

  // The data: plain JSON, or gzip + base64 (large reports) inflated by the browser itself.
  function loadData() {
    var el = document.getElementById('report-data');
    if (el.getAttribute('data-encoding') !== 'gzip+base64') {
      return Promise.resolve(JSON.parse(el.textContent));
    }
    var bin = atob(el.textContent.trim());
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Response(stream).text().then(JSON.parse);
  }
  document.getElementById('summary').textContent = 'Loading the report data\u2026';
  loadData().then(start, function (e) { recordError('could not read the report data: ' + e); });

  function start(D) {
    var DOC = { id: 0, title: 1, source: 2, published: 3, words: 4, similarity: 5, containment: 6, family: 7, diff: 8 };
    var storyOfFamily = new Array(D.families.length);
    D.stories.forEach(function (s, i) { s[3].forEach(function (f) { storyOfFamily[f] = i; }); });

    // ---- small DOM helpers ----
    function h(tag, attrs, children) {
      var el = document.createElement(tag);
      if (attrs) {
        Object.keys(attrs).forEach(function (k) {
          if (k === 'text') { el.textContent = attrs[k]; } else { el.setAttribute(k, attrs[k]); }
        });
      }
      (children || []).forEach(function (c) {
        if (c === null || c === undefined) { return; }
        el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
      });
      return el;
    }
    var SVG = 'http://www.w3.org/2000/svg';
    function s(tag, attrs, text) {
      var el = document.createElementNS(SVG, tag);
      Object.keys(attrs || {}).forEach(function (k) { el.setAttribute(k, attrs[k]); });
      if (text !== undefined) { el.textContent = text; }
      return el;
    }
    function plural(n, one, many) { return n + ' ' + (n === 1 ? one : (many || one + 's')); }
    function fmtTime(t) {
      if (t === null || t === undefined) { return 'undated'; }
      return new Date(t * 1000).toISOString().slice(0, 16).replace('T', ' ');
    }
    function fmtSpan(a, b) {
      if (a === null) { return 'undated'; }
      if (a === b) { return fmtTime(a); }
      var x = fmtTime(a), y = fmtTime(b);
      return x + ' \u2013 ' + (x.slice(0, 10) === y.slice(0, 10) ? y.slice(11) : y);
    }
    function sourceName(i) { return i >= 0 ? D.sources[i] : 'unknown source'; }
    function docLabel(d) { var doc = D.docs[d]; return doc[DOC.title] || doc[DOC.id]; }
    function clip(text, n) { return text.length > n ? text.slice(0, n - 1) + '\u2026' : text; }
    // A story's headline: a document number (its title) or a text.
    function headline(si) { var x = D.stories[si][0]; return typeof x === 'number' ? D.docs[x][DOC.title] : x; }

    // ---- summary and overview ----
    var c = D.counts;
    document.getElementById('summary').textContent =
      plural(c.documents, 'document') + ' \u00b7 ' + plural(c.families, 'version family', 'version families') +
      ' \u00b7 ' + plural(c.stories, 'story', 'stories') + ' \u00b7 ' + plural(c.sources, 'source') +
      (c.skipped ? ' \u00b7 ' + plural(c.skipped, 'bad record') + ' skipped' : '') +
      ' \u00b7 from ' + D.inputs.join(', ') + ' \u00b7 generated ' + D.generated.replace('T', ' ').replace('Z', ' UTC');

    function familySizeHistogram() {
      var buckets = [[1, 1], [2, 2], [3, 5], [6, 10], [11, 20], [21, 50], [51, Infinity]];
      var counts = buckets.map(function () { return 0; });
      D.families.forEach(function (f) {
        var n = f[1].length;
        for (var i = 0; i < buckets.length; i++) {
          if (n >= buckets[i][0] && n <= buckets[i][1]) { counts[i]++; break; }
        }
      });
      var max = Math.max.apply(null, counts.concat([1]));
      var barW = 54, height = 120, top = 16;
      var svg = s('svg', { width: buckets.length * barW + 10, height: height + 34, role: 'img',
        'aria-label': 'Number of version families by size' });
      buckets.forEach(function (b, i) {
        var bh = Math.round((counts[i] / max) * height);
        var x = 5 + i * barW;
        var rect = s('rect', { x: x + 6, y: top + height - bh, width: barW - 12, height: Math.max(bh, 1), class: 'bar' });
        rect.appendChild(s('title', {}, counts[i] + ' families of ' + label(b)));
        svg.appendChild(rect);
        svg.appendChild(s('text', { x: x + barW / 2, y: top + height - bh - 3, 'text-anchor': 'middle' }, String(counts[i])));
        svg.appendChild(s('text', { x: x + barW / 2, y: top + height + 14, 'text-anchor': 'middle' }, label(b)));
      });
      function label(b) { return b[0] === b[1] ? String(b[0]) : (b[1] === Infinity ? b[0] + '+' : b[0] + '\u2013' + b[1]); }
      return h('figure', null, [h('figcaption', { text: 'Version families by number of members' }), svg]);
    }
    document.getElementById('overview').appendChild(familySizeHistogram());
    document.getElementById('overview').appendChild(h('p', { class: 'meta', text: 'Stories: ' + D.story_grouping + '.' }));

    // ---- story list: search, sort, pages ----
    var searchText = null; // lowercase headline + titles per story, built on first search
    var visible = D.stories.map(function (_, i) { return i; });
    var page = 0;

    function storyDocs(si) {
      var out = [];
      D.stories[si][3].forEach(function (f) { out.push.apply(out, D.families[f][1]); });
      return out;
    }
    function storySources(si) {
      var seen = {};
      storyDocs(si).forEach(function (d) { seen[D.docs[d][DOC.source]] = true; });
      return Object.keys(seen).length;
    }
    function applyFilter() {
      var q = document.getElementById('search').value.trim().toLowerCase();
      var order = document.getElementById('sort').value;
      if (q && searchText === null) {
        searchText = D.stories.map(function (st, si) {
          var parts = [headline(si)].concat(st[4]);
          storyDocs(si).forEach(function (d) { if (D.docs[d][DOC.title]) { parts.push(D.docs[d][DOC.title]); } });
          return parts.join('\n').toLowerCase();
        });
      }
      var words = q ? q.split(/\s+/) : [];
      visible = [];
      for (var i = 0; i < D.stories.length; i++) {
        if (words.every(function (w) { return searchText[i].indexOf(w) >= 0; })) { visible.push(i); }
      }
      if (order !== 'size') {
        var sign = order === 'newest' ? -1 : 1;
        visible.sort(function (a, b) {
          var x = D.stories[a][1], y = D.stories[b][1];
          if (x === null) { return 1; }
          if (y === null) { return -1; }
          return sign * (x - y) || a - b;
        });
      }
      page = 0;
      render();
    }

    function render() {
      var list = document.getElementById('stories');
      list.textContent = '';
      var pages = Math.max(1, Math.ceil(visible.length / PAGE));
      page = Math.min(page, pages - 1);
      visible.slice(page * PAGE, (page + 1) * PAGE).forEach(function (si) { list.appendChild(storyRow(si)); });
      document.getElementById('found').textContent = plural(visible.length, 'story', 'stories');
      var pager = document.getElementById('pager');
      pager.textContent = '';
      var prev = h('button', { type: 'button', text: '\u2190 previous' });
      var next = h('button', { type: 'button', text: 'next \u2192' });
      prev.disabled = page === 0;
      next.disabled = page >= pages - 1;
      prev.addEventListener('click', function () { page--; render(); window.scrollTo(0, 0); });
      next.addEventListener('click', function () { page++; render(); window.scrollTo(0, 0); });
      pager.appendChild(prev);
      pager.appendChild(h('span', { text: 'page ' + (page + 1) + ' of ' + pages }));
      pager.appendChild(next);
    }

    // A toggle: a head button that builds its body the first time it is opened.
    function toggle(head, body, build) {
      var built = false;
      head.setAttribute('aria-expanded', 'false');
      body.hidden = true;
      head.addEventListener('click', function () {
        var open = head.getAttribute('aria-expanded') !== 'true';
        if (open && !built) { build(body); built = true; }
        head.setAttribute('aria-expanded', String(open));
        body.hidden = !open;
      });
    }

    function storyRow(si) {
      var st = D.stories[si];
      var docs = storyDocs(si);
      var head = h('button', { type: 'button', class: 'story-head' }, [
        h('span', { class: 'headline' }, [headline(si), st[4].length ? h('span', { class: 'names', text: st[4].join(' \u00b7 ') }) : null]),
        h('span', { class: 'when', text: fmtSpan(st[1], st[2]) }),
        h('span', { class: 'meta', text: plural(docs.length, 'document') + ' \u00b7 ' +
          plural(st[3].length, 'family', 'families') + ' \u00b7 ' + plural(storySources(si), 'source') })
      ]);
      var body = h('div', { class: 'story-body' });
      toggle(head, body, function (el) { buildStory(el, si); });
      return h('article', { class: 'story', 'data-story': String(si) }, [head, body]);
    }

    function buildStory(el, si) {
      var families = D.stories[si][3].slice().sort(function (a, b) {
        return D.families[b][1].length - D.families[a][1].length || a - b;
      });
      el.appendChild(h('div', { class: 'story-charts' }, [timeline(families), familyBars(families)]));
      var shown = 0;
      var more = h('button', { type: 'button', class: 'badge more-families' });
      function showMore() {
        families.slice(shown, shown + FAMILIES_SHOWN).forEach(function (f) { el.insertBefore(familyRow(f), more); });
        shown = Math.min(families.length, shown + FAMILIES_SHOWN);
        more.textContent = 'show ' + Math.min(FAMILIES_SHOWN, families.length - shown) + ' more of ' + families.length + ' families';
        more.hidden = shown >= families.length;
      }
      more.addEventListener('click', showMore);
      el.appendChild(more);
      showMore();
    }

    // Timeline: one row per family (largest first), a dot per dated document.
    function timeline(families) {
      var lanes = families.slice(0, MAX_LANES);
      var rest = families.slice(MAX_LANES);
      var rows = lanes.map(function (f) { return D.families[f][1]; });
      if (rest.length) {
        var others = [];
        rest.forEach(function (f) { others.push.apply(others, D.families[f][1]); });
        rows.push(others);
      }
      var times = [];
      rows.forEach(function (r) { r.forEach(function (d) { var t = D.docs[d][DOC.published]; if (t !== null) { times.push(t); } }); });
      var width = 520, left = 10, right = 10, laneH = 18, top = 8;
      var height = top + rows.length * laneH + 28;
      var svg = s('svg', { width: width, height: height, role: 'img', 'aria-label': 'Timeline of the story\'s documents' });
      var lo = Math.min.apply(null, times), hi = Math.max.apply(null, times);
      if (!times.length) { lo = hi = 0; }
      var span = hi - lo || 1;
      function x(t) { return times.length && hi > lo ? left + (t - lo) / span * (width - left - right) : width / 2; }
      rows.forEach(function (r, i) {
        var y = top + i * laneH + laneH / 2;
        svg.appendChild(s('line', { x1: left, x2: width - right, y1: y, y2: y, class: 'axis' }));
        r.forEach(function (d) {
          var t = D.docs[d][DOC.published];
          if (t === null) { return; }
          var dot = s('circle', { cx: x(t).toFixed(1), cy: y, r: 5, class: 'lane' + Math.min(i, 7) });
          dot.appendChild(s('title', {}, docLabel(d) + ' \u2014 ' + sourceName(D.docs[d][DOC.source]) + ', ' + fmtTime(t)));
          svg.appendChild(dot);
        });
      });
      var base = top + rows.length * laneH + 14;
      svg.appendChild(s('text', { x: left, y: base }, times.length ? fmtTime(lo) : 'no dates'));
      if (hi > lo) { svg.appendChild(s('text', { x: width - right, y: base, 'text-anchor': 'end' }, fmtTime(hi))); }
      var caption = 'Timeline: one row per version family' + (rest.length ? ' (last row: ' + plural(rest.length, 'other family', 'other families') + ')' : '');
      return h('figure', null, [h('figcaption', { text: caption }), svg]);
    }

    // Family sizes: one bar per family, largest first.
    function familyBars(families) {
      var shown = families.slice(0, MAX_BARS);
      var max = Math.max.apply(null, shown.map(function (f) { return D.families[f][1].length; }).concat([1]));
      var width = 420, labelW = 230, barH = 16, gap = 4;
      var svg = s('svg', { width: width, height: shown.length * (barH + gap) + 4, role: 'img', 'aria-label': 'Members per version family' });
      shown.forEach(function (f, i) {
        var n = D.families[f][1].length;
        var y = 2 + i * (barH + gap);
        var w = Math.max(2, Math.round(n / max * (width - labelW - 40)));
        svg.appendChild(s('text', { x: 0, y: y + barH - 4 }, clip(docLabel(D.families[f][0]), 38)));
        var rect = s('rect', { x: labelW, y: y, width: w, height: barH, class: 'lane' + Math.min(i, 7) });
        rect.appendChild(s('title', {}, plural(n, 'member')));
        svg.appendChild(rect);
        svg.appendChild(s('text', { x: labelW + w + 4, y: y + barH - 4 }, String(n)));
      });
      var caption = 'Members per version family' + (families.length > MAX_BARS ? ' (largest ' + MAX_BARS + ')' : '');
      return h('figure', null, [h('figcaption', { text: caption }), svg]);
    }

    function familyRow(f) {
      var fam = D.families[f];
      var canon = D.docs[fam[0]];
      var head = h('button', { type: 'button', class: 'family-head' }, [
        h('span', { class: 'size', text: '\u00d7' + fam[1].length }),
        h('span', { class: 'headline', text: docLabel(fam[0]) }),
        h('span', { class: 'meta', text: sourceName(canon[DOC.source]) + ' \u00b7 ' + fmtTime(canon[DOC.published]) })
      ]);
      var body = h('div', { class: 'family-body' });
      toggle(head, body, function (el) {
        if (fam[2]) { el.appendChild(h('p', { class: 'opening', text: fam[2] })); }
        var members = fam[1];
        var shownCount = Math.min(members.length, MEMBERS_SHOWN);
        members.slice(0, shownCount).forEach(function (d) { el.appendChild(memberRow(d, fam[0])); });
        if (members.length > shownCount) {
          var more = h('button', { type: 'button', class: 'badge', text: 'show all ' + members.length + ' members' });
          more.addEventListener('click', function () {
            more.remove();
            members.slice(shownCount).forEach(function (d) { el.appendChild(memberRow(d, fam[0])); });
          });
          el.appendChild(more);
        }
      });
      return h('div', { class: 'family', 'data-family': String(f) }, [head, body]);
    }

    function memberRow(d, canonical) {
      var doc = D.docs[d];
      var isCanon = d === canonical;
      var figures = isCanon ? 'canonical' : 'Jaccard ' + doc[DOC.similarity].toFixed(2) + ' \u00b7 containment ' + doc[DOC.containment].toFixed(2);
      var head = h('button', { type: 'button', class: 'member-head' }, [
        h('span', { class: 'id', text: doc[DOC.id] }),
        h('span', { class: 'headline', text: doc[DOC.title] || '' }),
        h('span', { class: 'meta', text: sourceName(doc[DOC.source]) + ' \u00b7 ' + fmtTime(doc[DOC.published]) + ' \u00b7 ' + plural(doc[DOC.words], 'word') }),
        h('span', { class: 'badge' + (isCanon ? ' canonical' : ''), text: figures })
      ]);
      var body = h('div', { class: 'diff' });
      toggle(head, body, function (el) { buildDiff(el, d, canonical); });
      return h('div', { class: 'member', 'data-doc': String(d) }, [head, body]);
    }

    // The member's changes against its family's canonical member.
    function buildDiff(el, d, canonical) {
      var diff = D.docs[d][DOC.diff];
      if (d === canonical || !diff) {
        el.appendChild(h('p', { class: 'legend', text: d === canonical
          ? 'The canonical member of this family (earliest published, else longest); the others are compared with it.'
          : 'No diff recorded.' }));
        return;
      }
      var n = diff.n;
      el.appendChild(h('p', { class: 'legend', text: 'Against ' + D.docs[canonical][DOC.id] + ': ' +
        n[0] + ' shared, ' + n[1] + ' rewritten, ' + n[2] + ' only in the canonical (\u2212), ' + n[3] + ' only in this version (+) sentences' }));
      diff.p.forEach(function (p) {
        var kind = p[0], payload = p[1];
        if (kind === 0) {
          el.appendChild(h('p', { class: 'same', text: '\u2026 ' + plural(payload, 'shared sentence') + ' \u2026' }));
        } else if (kind === 2) {
          el.appendChild(h('p', { class: 'del', text: payload }));
        } else if (kind === 3) {
          el.appendChild(h('p', { class: 'add', text: payload }));
        } else {
          var para = h('p', { class: 'rew' });
          payload.forEach(function (piece, i) {
            if (i > 0) { para.appendChild(document.createTextNode(' ')); }
            var tag = piece[0] === 1 ? 'del' : piece[0] === 2 ? 'ins' : 'span';
            para.appendChild(h(tag, { text: piece[1] }));
          });
          el.appendChild(para);
        }
      });
      if (diff.t) {
        el.appendChild(h('p', { class: 'cut', text: 'Diff cut short here; the full diff: syndic diff --input \u2026 ' +
          D.docs[canonical][DOC.id] + ' ' + D.docs[d][DOC.id] }));
      }
    }

    document.getElementById('search').addEventListener('input', applyFilter);
    document.getElementById('sort').addEventListener('change', applyFilter);
    applyFilter();

    // ---- self-test: #selftest=<document id> opens that document's story, family and diff the
    // way a reader would (search, then clicks) and writes what it saw into <pre id="selftest">.
    function selftest(targetId) {
      var out = { ok: false, steps: [], added: [], removed: [], rewritten: [], errors: errors };
      try {
        var d = -1;
        for (var i = 0; i < D.docs.length; i++) { if (D.docs[i][DOC.id] === targetId) { d = i; break; } }
        if (d < 0) { throw new Error('no document ' + targetId); }
        var f = D.docs[d][DOC.family], si = storyOfFamily[f];
        var search = document.getElementById('search');
        search.value = headline(si);
        search.dispatchEvent(new Event('input'));
        out.steps.push('searched: ' + document.getElementById('found').textContent);
        var story = document.querySelector('[data-story="' + si + '"]');
        if (!story) { throw new Error('story not listed after search'); }
        story.querySelector('.story-head').click();
        out.steps.push('story opened: ' + story.querySelectorAll('svg').length + ' charts');
        var family = story.querySelector('[data-family="' + f + '"]');
        while (!family) {
          var more = story.querySelector('.more-families');
          if (more.hidden) { throw new Error('family not listed'); }
          more.click();
          family = story.querySelector('[data-family="' + f + '"]');
        }
        family.querySelector('.family-head').click();
        out.steps.push('family opened: ' + family.querySelectorAll('.member').length + ' members');
        var member = family.querySelector('[data-doc="' + d + '"]');
        member.querySelector('.member-head').click();
        var diff = member.querySelector('.diff');
        out.steps.push('diff shown: ' + !diff.hidden);
        function texts(sel) { return Array.prototype.map.call(diff.querySelectorAll(sel), function (e) { return e.textContent; }); }
        out.added = texts('.add');
        out.removed = texts('.del');
        out.rewritten = texts('.rew');
        out.ok = errors.length === 0 && !diff.hidden;
      } catch (e) {
        out.error = String(e);
      }
      document.body.appendChild(h('pre', { id: 'selftest', text: JSON.stringify(out) }));
    }
    var m = /^#selftest=(.*)$/.exec(location.hash);
    if (m) { selftest(decodeURIComponent(m[1])); }
  }
})();
