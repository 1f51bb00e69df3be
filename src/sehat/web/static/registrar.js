/* The graduation form, checked as it is typed: after a pause, the form is sent to the
   server's own validation (POST /registrar/check, the rules a submission meets) and each
   field the registrar has touched shows its problem beside it. Without this script the
   form still works: the server's answer to a submission shows the same words. */
(function () {
  "use strict";
  var form = document.getElementById("graduation-form");
  if (!form || !window.fetch || !window.URLSearchParams) {
    return;
  }
  var touched = {};
  var timer = null;
  var asked = 0;

  function show(problems) {
    var boxes = form.querySelectorAll(".field-error");
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      var name = box.id.replace(/^f-/, "").replace(/-error$/, "");
      var input = document.getElementById("f-" + name);
      var text = touched[name] ? problems[name] || "" : "";
      if (!touched[name]) {
        continue;
      }
      box.textContent = text;
      box.hidden = !text;
      if (input) {
        if (text) {
          input.setAttribute("aria-invalid", "true");
        } else {
          input.removeAttribute("aria-invalid");
        }
      }
    }
  }

  function check() {
    var mine = ++asked;
    var body = new URLSearchParams(new FormData(form));
    fetch(form.getAttribute("data-check"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    })
      .then(function (answer) {
        return answer.ok ? answer.json() : null;
      })
      .then(function (found) {
        if (found && mine === asked) {
          show(found.problems || {});
        }
      })
      .catch(function () {
        /* offline or signed out: the submission's answer will say it */
      });
  }

  function later(event) {
    var name = event.target && event.target.name;
    if (!name) {
      return;
    }
    touched[name] = true;
    if (name === "national_id" || name === "foreign_id") {
      touched.national_id = touched.foreign_id = true;
    }
    // The form changed: an answer still on its way is about the form as it was, and would
    // show a field just touched as it was before (e.g. "required" while it is being typed).
    asked++;
    window.clearTimeout(timer);
    timer = window.setTimeout(check, event.type === "input" ? 500 : 0);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
  // What the server already found (a submission it refused) counts as touched.
  var shown = form.querySelectorAll(".field-error");
  for (var i = 0; i < shown.length; i++) {
    if (!shown[i].hidden) {
      touched[shown[i].id.replace(/^f-/, "").replace(/-error$/, "")] = true;
    }
  }
})();
