/// The dashboard's style sheet and its one script, served from the binary (nothing is fetched
/// from elsewhere: the pages work behind firewalls and the policy forbids it).
enum DashboardAssets {
    /// Light and dark follow the browser; plot colours are the series classes `s0`…`s7`.
    static let css = """
        :root { color-scheme: light dark; --fg: #1d232a; --bg: #fbfbfa; --muted: #65717d; --line: #d9dde1; --panel: #f1f3f4;
          --c0: #1f6feb; --c1: #d1242f; --c2: #1a7f37; --c3: #9a6700; --c4: #8250df; --c5: #bf3989; --c6: #0a7c86; --c7: #6e7781; }
        @media (prefers-color-scheme: dark) {
          :root { --fg: #e6edf3; --bg: #0d1117; --muted: #8d96a0; --line: #30363d; --panel: #161b22;
            --c0: #58a6ff; --c1: #ff7b72; --c2: #3fb950; --c3: #d29922; --c4: #bc8cff; --c5: #f778ba; --c6: #39c5cf; --c7: #9198a1; } }
        body { font: 15px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); margin: 0; }
        header { display: flex; justify-content: space-between; padding: .6rem 1.2rem; border-bottom: 1px solid var(--line); background: var(--panel); }
        header a { color: inherit; } .sep { color: var(--muted); }
        main { padding: .5rem 1.2rem 3rem; max-width: 1200px; }
        h1 { font-size: 1.5rem; margin: .6rem 0; } h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid var(--line); }
        a { color: var(--c0); } code { font-size: .9em; } .muted, figcaption { color: var(--muted); }
        table { border-collapse: collapse; margin: .5rem 0; font-variant-numeric: tabular-nums; }
        th, td { padding: .25rem .6rem; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
        th a { color: inherit; }
        .state { padding: 0 .4rem; border-radius: .6rem; border: 1px solid var(--line); }
        .state.running { border-color: var(--c0); color: var(--c0); } .state.complete, .state.finished { color: var(--c2); }
        .state.failed { color: var(--c1); } .state.pruned { color: var(--c3); }
        .live { color: var(--c2); } .live.lost { color: var(--c1); }
        .changed { animation: flash 1s ease-out; } @keyframes flash { from { background: var(--panel); } }
        .error { font-size: 1.1rem; }
        figure { margin: 1rem 0; } figure h3 { font-size: .95rem; margin: 0 0 .2rem; font-weight: 600; }
        #plots { display: grid; grid-template-columns: repeat(auto-fill, minmax(480px, 1fr)); gap: 0 1.5rem; } svg.chart { width: 100%; max-width: 720px; height: auto; display: block; }
        svg .grid { stroke: var(--line); stroke-width: .5; } svg .tick, svg .axis-label, svg .legend { fill: var(--muted); font-size: 10px; }
        svg .mark { stroke: var(--c1); stroke-dasharray: 4 3; stroke-width: 1.2; }
        svg .series polyline { fill: none; stroke-width: 1.5; } svg .series circle { stroke-width: 1.2; } svg circle.hollow { fill: var(--bg) !important; }
        \((0..<8).map { "svg .s\($0) polyline, svg .s\($0) circle { stroke: var(--c\($0)); } svg .s\($0) circle { fill: var(--c\($0)); } svg text.s\($0) { fill: var(--c\($0)); }" }.joined(separator: "\n"))
        .heatmaps { display: flex; flex-wrap: wrap; gap: 1rem; } .heatmaps img { width: 340px; height: auto; image-rendering: pixelated; border: 1px solid var(--line); }
        details summary { cursor: pointer; color: var(--muted); }
        """

    /// The tab's icon: an attention diagonal.
    static let icon = """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1f6feb"/>\
        <path d="M3 13 L13 3" stroke="#fff" stroke-width="2.2" stroke-linecap="round"/></svg>
        """

    /// Keeps a live page current: server-sent events (falling back to polling the same snapshot
    /// as JSON), text changed in place, and the page fetched again and swapped in when its layout
    /// changes. Pages read fine without it.
    static let liveScript = """
        (function () {
          var url = document.body.getAttribute('data-live');
          if (!url) { return; }
          var status = document.getElementById('live-status');
          var shape = null, failures = 0, polling = false;
          function say(text, lost) { if (status) { status.textContent = text; status.className = lost ? 'live lost' : 'live'; } }
          function refresh() {
            fetch(location.href, { credentials: 'same-origin' }).then(function (r) { return r.text(); }).then(function (html) {
              var page = new DOMParser().parseFromString(html, 'text/html');
              var main = page.querySelector('main');
              if (main) { document.querySelector('main').innerHTML = main.innerHTML; }
            });
          }
          function apply(snapshot) {
            Object.keys(snapshot.fields || {}).forEach(function (id) {
              var element = document.getElementById(id);
              if (element && element.textContent !== snapshot.fields[id]) {
                element.textContent = snapshot.fields[id];
                element.classList.remove('changed'); void element.offsetWidth; element.classList.add('changed');
              }
            });
            if (shape !== null && snapshot.shape !== shape) { refresh(); }
            shape = snapshot.shape;
            if (!snapshot.live) { say('finished', false); }
          }
          function poll() {
            polling = true; say('live (polling)', false);
            var timer = setInterval(function () {
              fetch(url + '.json', { credentials: 'same-origin' }).then(function (r) { return r.json(); }).then(function (snapshot) {
                apply(snapshot); if (!snapshot.live) { clearInterval(timer); }
              }).catch(function () { say('connection lost', true); });
            }, 2000);
          }
          if (!window.EventSource) { poll(); return; }
          var source = new EventSource(url);
          source.onopen = function () { failures = 0; say('live', false); };
          source.onmessage = function (event) { var snapshot = JSON.parse(event.data); apply(snapshot); if (!snapshot.live) { source.close(); } };
          source.onerror = function () {
            failures += 1; say('reconnecting', true);
            if (failures >= 3 && !polling) { source.close(); poll(); }
          };
        })();
        """
}
