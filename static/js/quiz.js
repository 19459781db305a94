// Quiz page: save each change as the learner goes, show the remaining time.
// The page works without this script: the buttons post the form.
(function () {
  "use strict";
  var form = document.getElementById("quiz-form");
  if (!form || !window.fetch || !window.FormData) return;

  var status = document.getElementById("save-status");
  var seqInput = form.querySelector('input[name="seq"]');
  var saveUrl = form.getAttribute("data-save-url");
  var pending = false;   // a change waits to be saved
  var inFlight = false;  // a save is on its way
  var failed = false;    // the last save did not reach the server
  var stopped = false;   // the server refused for good (stale page, time up)
  var retryDelay = 2000;
  var timer = null;
  var submitWhenSaved = null; // the button pressed while a save was on its way

  function say(message, kind) {
    status.textContent = message;
    status.className = "save-status" + (kind ? " save-status--" + kind : "");
  }

  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(save, delay);
  }

  function save() {
    if (stopped || inFlight || !pending) return;
    pending = false;
    inFlight = true;
    var body = new FormData(form);
    fetch(saveUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; },
        function () { return { ok: false, data: null }; });
    }).then(function (result) {
      // "not-saved" (503): the server could not store them now; retry as if offline.
      inFlight = false;
      if (result.ok && result.data && result.data.status === "saved") {
        seqInput.value = String(result.data.seq);
        if (finishSubmit()) return;
        failed = false;
        retryDelay = 2000;
        say("All answers saved.", "ok");
        if (pending) schedule(300);
      } else if (result.data && result.data.message && result.data.status !== "not-saved") {
        stopped = true;
        submitWhenSaved = null;
        say(result.data.message, "error");
        if (result.data.status === "closed") window.location.reload();
      } else {
        throw new Error("save failed");
      }
    }).catch(function () {
      inFlight = false;
      if (finishSubmit()) return;
      failed = true;
      pending = true;
      say("Connection lost — your last answers are not saved yet. Retrying…", "error");
      schedule(retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    });
  }

  // How many questions have an answer, shown next to the buttons.
  var progress = document.getElementById("quiz-progress");
  function countAnswered() {
    if (!progress) return;
    var answered = 0;
    var questions = form.querySelectorAll(".question__fieldset");
    Array.prototype.forEach.call(questions, function (fieldset) {
      var filled = Array.prototype.some.call(
        fieldset.querySelectorAll("input, select"),
        function (control) {
          if (control.type === "radio" || control.type === "checkbox") return control.checked;
          return control.value.trim() !== "";
        });
      if (filled) answered += 1;
    });
    progress.querySelector(".quiz-progress__count").textContent = String(answered);
    progress.querySelector("progress").value = answered;
  }

  function changed() {
    countAnswered();
    if (stopped) return;
    pending = true;
    if (!failed) say("Saving…", "");
    schedule(400);
  }

  form.addEventListener("change", changed);
  form.addEventListener("input", function (event) {
    if (event.target.type === "text") changed();
  });
  // A submit pressed while a save is on its way waits for it: the save moves the
  // page's sequence number on, and the submit must carry the new one.
  function finishSubmit() {
    if (!submitWhenSaved) return false;
    var button = submitWhenSaved;
    submitWhenSaved = null;
    stopped = true;
    if (form.requestSubmit) {
      form.requestSubmit(button);
    } else {
      form.submit();
    }
    return true;
  }

  form.addEventListener("submit", function (event) {
    clearTimeout(timer);
    if (inFlight) {
      event.preventDefault();
      submitWhenSaved = event.submitter || null;
      say("Saving your last answers…", "");
      return;
    }
    stopped = true;
  });

  // The remaining time, counted down on the page; the server enforces it.
  var clock = document.getElementById("quiz-timer");
  if (clock) {
    var value = clock.querySelector(".timer__value");
    var deadline = Date.now() + 1000 * parseInt(clock.getAttribute("data-seconds-left"), 10);
    var warned = {};
    var tick = function () {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      var minutes = Math.floor(left / 60);
      var seconds = left % 60;
      value.textContent = minutes + " min " + (seconds < 10 ? "0" : "") + seconds + " s";
      [300, 60].forEach(function (mark) {
        if (left <= mark && left > 0 && !warned[mark]) {
          warned[mark] = true;
          say((mark / 60) + (mark === 60 ? " minute" : " minutes") + " left.", "");
        }
      });
      if (left === 0) {
        clearInterval(interval);
        say("Time is up: submitting your answers.", "");
        form.requestSubmit ? form.requestSubmit() : form.submit();
      }
    };
    var interval = setInterval(tick, 1000);
  }
})();
