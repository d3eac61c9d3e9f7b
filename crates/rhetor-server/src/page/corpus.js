// The corpus dashboard: everything from this server's JSON routes, drawn
// with DOM calls (text is never parsed as HTML) and inline SVG.
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var SVG = "http://www.w3.org/2000/svg";
  var state = { outlet: null, task: "techniques", labels: null };

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function svg(tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function getJSON(path) {
    return fetch(path).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(body.error || r.statusText);
        return body;
      });
    });
  }
  function query(params) {
    var q = new URLSearchParams();
    Object.keys(params).forEach(function (k) {
      if (params[k] !== "" && params[k] !== null && params[k] !== undefined) q.append(k, params[k]);
    });
    return q.toString();
  }
  function pct(x) { return (x * 100).toFixed(1) + "%"; }
  function liftText(l) {
    if (l.lift === null) return "–";
    return l.lift.toFixed(2) + " [" + l.lift_low.toFixed(2) + "–" + l.lift_high.toFixed(2) + "]";
  }

  // Outlets table -------------------------------------------------------
  function loadOutlets() {
    state.task = $("cx-task").value;
    return getJSON("/v1/stats?" + query({ by: "source", task: state.task, limit: 1000 })).then(function (res) {
      var body = $("cx-outlets").tBodies[0];
      body.textContent = "";
      var sources = $("cx-source");
      var keep = sources.value;
      sources.length = 1;
      var total = 0;
      res.groups.forEach(function (g) {
        total += g.articles;
        var name = g.group.source || "(no source)";
        var tr = el("tr", { "data-source": name });
        if (name === state.outlet) tr.className = "cx-picked";
        var th = el("th", { scope: "row" });
        var b = el("button", { type: "button", "class": "cx-pick", "aria-pressed": String(name === state.outlet) }, name);
        b.addEventListener("click", function () { pickOutlet(name); });
        th.appendChild(b);
        if (g.small) th.appendChild(el("span", { "class": "cx-small" }, " small"));
        tr.appendChild(th);
        tr.appendChild(el("td", { "class": "cx-num" }, String(g.articles)));
        var top = g.labels.filter(function (l) { return l.count > 0; });
        tr.appendChild(el("td", { "class": "cx-lift" }, top.length ? top[0].label + " × " + liftText(top[0]) : "–"));
        var above = top.slice(1).filter(function (l) { return l.lift_low !== null && l.lift_low > 1; }).slice(0, 3);
        tr.appendChild(el("td", {}, above.map(function (l) { return l.label + " × " + l.lift.toFixed(2); }).join("; ") || "–"));
        body.appendChild(tr);
        sources.appendChild(el("option", { value: name }, name));
      });
      sources.value = keep;
      $("cx-summary").textContent = total + " analysed articles from " + res.total + " outlets.";
    });
  }

  function pickOutlet(name) {
    state.outlet = name;
    Array.prototype.forEach.call($("cx-outlets").tBodies[0].rows, function (tr) {
      var on = tr.getAttribute("data-source") === name;
      tr.className = on ? "cx-picked" : "";
      tr.querySelector("button").setAttribute("aria-pressed", String(on));
    });
    loadProfile();
    loadTrend();
  }

  // One outlet against the rest: paired horizontal bars ---------------
  function loadProfile() {
    if (!state.outlet) return Promise.resolve();
    var p = getJSON("/v1/stats?" + query({ by: "source", task: state.task, source: state.outlet }));
    var all = getJSON("/v1/stats?" + query({ by: "none", task: state.task }));
    return Promise.all([p, all]).then(function (r) {
      var mine = r[0].groups[0];
      var corpus = r[1].groups[0];
      var box = $("cx-profile");
      box.textContent = "";
      if (!mine) { $("cx-profile-note").textContent = "No analysed article from " + state.outlet + "."; return; }
      $("cx-profile-note").textContent = state.outlet + ": " + mine.articles + " articles" + (mine.small ? " (small: read with care)" : "") +
        ". Bars: share of " + (state.task === "techniques" ? "paragraphs" : "articles") + " in the outlet and in the whole corpus.";
      var rates = {};
      corpus.labels.forEach(function (l) { rates[l.label] = l.rate; });
      var rows = mine.labels.filter(function (l) { return l.count > 0 || rates[l.label] > 0; })
        .sort(function (a, b) { return b.rate - a.rate; }).slice(0, 12);
      var max = 0;
      rows.forEach(function (l) { max = Math.max(max, l.rate_high, rates[l.label] || 0); });
      max = max || 1;
      var W = 720, left = 260, rowH = 34, H = rows.length * rowH + 50;
      var s = svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-labelledby": "cx-profile-title" });
      s.appendChild(svg("title", { id: "cx-profile-title" }, state.outlet + " compared with the corpus"));
      rows.forEach(function (l, i) {
        var y = 10 + i * rowH;
        s.appendChild(svg("text", { x: left - 8, y: y + 16, "text-anchor": "end", "font-size": 12 }, l.label));
        var w1 = (W - left - 70) * l.rate / max, w2 = (W - left - 70) * (rates[l.label] || 0) / max;
        s.appendChild(svg("rect", { x: left, y: y + 2, width: w1, height: 12, fill: "#c0392b" }));
        s.appendChild(svg("rect", { x: left, y: y + 16, width: w2, height: 12, fill: "#7a8cc8" }));
        // The outlet's 95 % interval as a whisker.
        var lo = left + (W - left - 70) * l.rate_low / max, hi = left + (W - left - 70) * l.rate_high / max;
        s.appendChild(svg("line", { x1: lo, x2: hi, y1: y + 8, y2: y + 8, stroke: "#222", "stroke-width": 1.5 }));
        s.appendChild(svg("text", { x: left + Math.max(w1, hi - left) + 6, y: y + 13, "font-size": 11 }, pct(l.rate)));
      });
      var ly = H - 22;
      s.appendChild(svg("rect", { x: left, y: ly, width: 12, height: 12, fill: "#c0392b" }));
      s.appendChild(svg("text", { x: left + 18, y: ly + 11, "font-size": 12 }, state.outlet + " (line: 95% interval)"));
      s.appendChild(svg("rect", { x: left + 300, y: ly, width: 12, height: 12, fill: "#7a8cc8" }));
      s.appendChild(svg("text", { x: left + 318, y: ly + 11, "font-size": 12 }, "whole corpus"));
      box.appendChild(s);
    }).catch(showError($("cx-profile-note")));
  }

  // Trend of one label per month/week: outlet and corpus lines --------
  function loadTrend() {
    var label = $("cx-trend-label").value;
    var by = $("cx-trend-by").value;
    if (!label) return Promise.resolve();
    var task = label.indexOf("frame:") === 0 ? "frames" : "techniques";
    var name = label.replace(/^(frame|technique):/, "");
    var reqs = [getJSON("/v1/stats?" + query({ by: by, task: task, limit: 1000 }))];
    if (state.outlet) reqs.push(getJSON("/v1/stats?" + query({ by: by, task: task, source: state.outlet, limit: 1000 })));
    return Promise.all(reqs).then(function (r) {
      var series = r.map(function (res) {
        var pts = {};
        res.groups.forEach(function (g) {
          var key = g.group[by];
          if (!key) return;
          var l = g.labels.filter(function (x) { return x.label === name; })[0];
          pts[key] = l ? l.rate : 0;
        });
        return pts;
      });
      var keys = Object.keys(series[0]).sort();
      var box = $("cx-trend");
      box.textContent = "";
      if (!keys.length) { box.appendChild(el("p", { "class": "cx-meta" }, "No dated articles.")); return; }
      var max = 0;
      series.forEach(function (s) { keys.forEach(function (k) { max = Math.max(max, s[k] || 0); }); });
      max = max > 0 ? max * 1.1 : 1;
      var W = 720, H = 300, L = 60, R = 40, T = 20, B = 70;
      var s = svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-labelledby": "cx-trend-title" });
      s.appendChild(svg("title", { id: "cx-trend-title" }, name + " per " + by));
      var x = function (i) { return L + (keys.length === 1 ? (W - L - R) / 2 : i * (W - L - R) / (keys.length - 1)); };
      var y = function (v) { return T + (H - T - B) * (1 - v / max); };
      // Axes, ticks and their labels.
      s.appendChild(svg("line", { x1: L, x2: L, y1: T, y2: H - B, stroke: "#333" }));
      s.appendChild(svg("line", { x1: L, x2: W - R, y1: H - B, y2: H - B, stroke: "#333" }));
      for (var t = 0; t <= 4; t++) {
        var v = max * t / 4;
        s.appendChild(svg("line", { x1: L - 4, x2: W - R, y1: y(v), y2: y(v), stroke: t ? "#e4e4ee" : "#333" }));
        s.appendChild(svg("text", { x: L - 8, y: y(v) + 4, "text-anchor": "end", "font-size": 11 }, pct(v)));
      }
      var step = Math.max(1, Math.ceil(keys.length / 12));
      keys.forEach(function (k, i) {
        if (i % step) return;
        s.appendChild(svg("text", { x: x(i), y: H - B + 16, "text-anchor": "middle", "font-size": 11 }, k));
      });
      s.appendChild(svg("text", { x: (L + W - R) / 2, y: H - B + 36, "text-anchor": "middle", "font-size": 12 }, by === "week" ? "ISO week" : "month"));
      s.appendChild(svg("text", { x: 14, y: (T + H - B) / 2, "text-anchor": "middle", "font-size": 12, transform: "rotate(-90 14 " + (T + H - B) / 2 + ")" },
        task === "techniques" ? "share of paragraphs" : "share of articles"));
      var colours = ["#7a8cc8", "#c0392b"];
      var names = ["whole corpus", state.outlet];
      series.forEach(function (pts, n) {
        var d = "";
        keys.forEach(function (k, i) {
          if (pts[k] === undefined) return;
          d += (d ? " L" : "M") + x(i).toFixed(1) + " " + y(pts[k]).toFixed(1);
          s.appendChild(svg("circle", { cx: x(i), cy: y(pts[k]), r: 3.5, fill: colours[n] }));
        });
        s.appendChild(svg("path", { d: d, fill: "none", stroke: colours[n], "stroke-width": 2.5 }));
        // Legend.
        var lx = L + 10 + n * 240, ly = H - 18;
        s.appendChild(svg("rect", { x: lx, y: ly - 10, width: 14, height: 4, fill: colours[n] }));
        s.appendChild(svg("text", { x: lx + 20, y: ly - 4, "font-size": 12 }, names[n]));
      });
      box.appendChild(s);
    }).catch(showError($("cx-trend")));
  }

  // Article list: search or filters -----------------------------------
  function loadArticles(ev) {
    if (ev) ev.preventDefault();
    var params = {
      technique: $("cx-technique").value, frame: $("cx-frame").value, source: $("cx-source").value,
      since: $("cx-since").value, until: $("cx-until").value
    };
    var q = $("cx-q").value.trim();
    var list = $("cx-articles");
    var status = $("cx-articles-status");
    status.textContent = "Loading…";
    var url = q ? "/v1/search?" + query(Object.assign({ q: q, limit: 50 }, params))
                : "/v1/articles?" + query(Object.assign({ limit: 50 }, params));
    return getJSON(url).then(function (res) {
      list.textContent = "";
      var items = q ? res.hits : res.articles;
      status.textContent = q ? items.length + " matching paragraphs" : res.total + " articles" + (res.total > items.length ? " (newest " + items.length + " shown)" : "");
      items.forEach(function (a) {
        var li = el("li");
        var link = el("a", { href: "/articles/" + a.article }, a.title || a.id);
        li.appendChild(link);
        li.appendChild(el("div", { "class": "cx-meta" },
          [a.source || "no source", a.published || "undated", a.language || "", q ? "line " + a.line : ""].filter(Boolean).join(" · ")));
        if (q) {
          var snip = el("div", { "class": "cx-snippet" });
          a.snippet.split(/(\[\[.*?\]\])/).forEach(function (part) {
            var m = /^\[\[(.*)\]\]$/.exec(part);
            snip.appendChild(m ? el("mark", {}, m[1]) : document.createTextNode(part));
          });
          li.appendChild(snip);
        }
        if (a.techniques && a.techniques.length) li.appendChild(el("div", { "class": "cx-meta" }, a.techniques.join(", ")));
        list.appendChild(li);
      });
    }).catch(showError(status));
  }

  // Narrative clusters as timelines -----------------------------------
  function loadNarratives() {
    return getJSON("/v1/narratives?limit=20").then(function (res) {
      var box = $("cx-narratives");
      box.textContent = "";
      if (!res.clusters.length) { box.appendChild(el("p", { "class": "cx-meta" }, "No story appears in more than one article.")); return; }
      res.clusters.forEach(function (c) {
        var first = c.articles[0];
        box.appendChild(el("h3", {}, first.title + " — " + c.size + " articles, " + c.languages.join(", ")));
        var ol = el("ol", { "class": "cx-timeline" });
        c.articles.forEach(function (a, i) {
          var li = el("li", i === 0 ? { "class": "cx-first" } : {});
          li.appendChild(el("time", { datetime: a.published || "" }, (a.published || "undated").slice(0, 10)));
          li.appendChild(document.createTextNode(" " + (i === 0 ? "first seen: " : "") + (a.source || "no source") + " (" + (a.language || "und") + ") "));
          li.appendChild(el("a", { href: "/articles/" + a.article }, a.title || a.id));
          if (i) li.appendChild(el("span", { "class": "cx-meta" }, " similarity " + a.similarity.toFixed(2)));
          ol.appendChild(li);
        });
        box.appendChild(ol);
        if (c.techniques_added.length || c.techniques_dropped.length) {
          box.appendChild(el("p", { "class": "cx-meta" }, "Techniques added later: " + (c.techniques_added.join(", ") || "none") +
            "; dropped: " + (c.techniques_dropped.join(", ") || "none") + "."));
        }
      });
    }).catch(showError($("cx-narratives")));
  }

  function showError(target) {
    return function (e) { target.textContent = "Error: " + e.message; };
  }

  function fillLabels() {
    return getJSON("/v1/labels").then(function (inv) {
      state.labels = inv;
      var trend = $("cx-trend-label");
      var g1 = el("optgroup", { label: "Techniques" }), g2 = el("optgroup", { label: "Frames" });
      inv.techniques.forEach(function (t) {
        g1.appendChild(el("option", { value: "technique:" + t.label }, t.label));
        $("cx-technique").appendChild(el("option", { value: t.label }, t.label));
      });
      inv.frames.forEach(function (f) {
        g2.appendChild(el("option", { value: "frame:" + f.label }, f.label));
        $("cx-frame").appendChild(el("option", { value: f.label }, f.label));
      });
      trend.appendChild(g1);
      trend.appendChild(g2);
      trend.value = "technique:Loaded_Language";
    });
  }

  $("cx-task").addEventListener("change", function () { loadOutlets().then(loadProfile).catch(showError($("cx-summary"))); });
  $("cx-trend-label").addEventListener("change", loadTrend);
  $("cx-trend-by").addEventListener("change", loadTrend);
  $("cx-search").addEventListener("submit", loadArticles);
  fillLabels().then(function () {
    return Promise.all([loadOutlets(), loadTrend(), loadArticles(), loadNarratives()]);
  }).then(function () { document.body.setAttribute("data-ready", "1"); })
    .catch(showError($("cx-summary")));
})();
