// The web page: send each pasted text or file to POST /v1/report and insert
// the server-rendered report fragment (one renderer for the page and the
// HTML file), without reloading.
(function () {
  "use strict";
  var form = document.getElementById("rh-form");
  var out = document.getElementById("rh-report");
  var status = document.getElementById("rh-status");
  var submit = document.getElementById("rh-submit");

  function say(text, isError) {
    status.textContent = text;
    status.className = isError ? "rh-status rh-error" : "rh-status";
  }

  async function report(payload) {
    var res = await fetch("/v1/report", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(payload)
    });
    if (res.ok) return res.text();
    var message = res.status + " " + res.statusText;
    try { message = (await res.json()).error || message; } catch (e) { /* not JSON */ }
    throw new Error(message);
  }

  form.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    var jobs = [];
    var text = document.getElementById("rh-text").value;
    var title = document.getElementById("rh-title-input").value.trim();
    if (text.trim() !== "" || title !== "") {
      var job = { text: text, id: "pasted" };
      if (title !== "") job.title = title;
      jobs.push(job);
    }
    var evidence = document.getElementById("rh-evidence").value;
    jobs.forEach(function (j) { j.evidence = evidence; });
    var files = document.getElementById("rh-files").files;
    for (var i = 0; i < files.length; i++) {
      // A file is laid out like the CLI's .txt input: its first line is the title.
      jobs.push({ text: await files[i].text(), id: files[i].name.replace(/\.txt$/i, ""), evidence: evidence });
    }
    if (jobs.length === 0) {
      say("Paste a text or choose a file first.", true);
      return;
    }
    submit.disabled = true;
    out.innerHTML = "";
    var failed = 0;
    for (var j = 0; j < jobs.length; j++) {
      say("Analysing " + (j + 1) + " of " + jobs.length + "…", false);
      try {
        // The fragment is built and escaped by the server.
        out.insertAdjacentHTML("beforeend", await report(jobs[j]));
      } catch (e) {
        failed++;
        var p = document.createElement("p");
        p.className = "rh-error";
        p.textContent = jobs[j].id + ": " + e.message;
        out.appendChild(p);
      }
    }
    submit.disabled = false;
    // Apply the confidence control to the new articles.
    var conf = document.getElementById("rh-confidence");
    if (conf) conf.dispatchEvent(new Event("input", { bubbles: true }));
    say(failed ? failed + " of " + jobs.length + " failed." : "Done: " + jobs.length + " article" + (jobs.length > 1 ? "s" : "") + ".", failed > 0);
    var first = out.querySelector(".rh-title");
    if (first) {
      first.setAttribute("tabindex", "-1");
      first.focus();
    }
  });

  document.getElementById("rh-clear").addEventListener("click", function () {
    form.reset();
    out.innerHTML = "";
    say("", false);
  });
})();
