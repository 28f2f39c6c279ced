/* 読み上げ: plays the meeting page's audio (written at publication) with the
   browser's own player, or, where the server has no speech engine, reads the
   same text with the browser's speech synthesis. No inline script (strict CSP). */
(function () {
  "use strict";
  var speak = document.querySelector(".reading-speak");
  var stop = document.querySelector(".reading-stop");
  var status = document.querySelector(".reading-status");
  if (!speak) {
    return;
  }
  var hasSynthesis = "speechSynthesis" in window && "SpeechSynthesisUtterance" in window;
  var base = speak.getAttribute("data-speech");
  var manifest = null;
  var player = null;

  function say(message) {
    if (status) {
      status.textContent = message;
    }
  }

  function pageText() {
    // The result as the page shows it, markers (■ ・ ○) left out, ~ read as から.
    var parts = document.querySelectorAll("[data-pagefind-body], .kk-corrections");
    return Array.prototype.map.call(parts, function (el) {
      return el.innerText;
    }).join("\n")
      .replace(/^[\s■□◆◇●○・※]+/gm, "")
      .replace(/\s*[~～〜]\s*/g, "から");
  }

  function load() {
    if (manifest) {
      return Promise.resolve(manifest);
    }
    return fetch(base + "speech.json", { credentials: "omit" })
      .then(function (response) {
        return response.ok ? response.json() : { text: pageText(), audio: null };
      })
      .catch(function () {
        return { text: pageText(), audio: null };
      })
      .then(function (data) {
        manifest = data;
        return data;
      });
  }

  function showPlayer(data) {
    if (!player) {
      player = document.createElement("audio");
      player.controls = true;
      player.preload = "none";
      player.src = base + data.audio;
      player.setAttribute("aria-label", "このページの読み上げ音声");
      speak.parentNode.insertBefore(player, stop);
      player.addEventListener("ended", function () {
        stop.hidden = true;
        say("読み上げが終わりました。");
      });
    }
    stop.hidden = false;
    var played = player.play();
    if (played && played.catch) {
      played.catch(function (error) {
        // AbortError: 停止 was pressed before playback started; its own message stays.
        if (error && error.name === "AbortError") {
          return;
        }
        say("再生ボタンで読み上げを始めてください。");
      });
    }
    player.focus();
    say("読み上げています。");
  }

  function synthesise(data) {
    if (!hasSynthesis) {
      say("このブラウザーでは読み上げられません。");
      return;
    }
    window.speechSynthesis.cancel();
    var lines = (data.text || "").split("\n").filter(function (line) {
      return line.trim();
    });
    lines.forEach(function (line, index) {
      var utterance = new SpeechSynthesisUtterance(line);
      utterance.lang = "ja-JP";
      if (index === lines.length - 1) {
        utterance.onend = function () {
          stop.hidden = true;
          say("読み上げが終わりました。");
        };
      }
      window.speechSynthesis.speak(utterance);
    });
    stop.hidden = false;
    say("読み上げています。");
  }

  speak.hidden = false;
  speak.addEventListener("click", function () {
    load().then(function (data) {
      if (data.audio) {
        showPlayer(data);
      } else {
        synthesise(data);
      }
    });
  });
  stop.addEventListener("click", function () {
    if (player) {
      player.pause();
      player.currentTime = 0;
    }
    if (hasSynthesis) {
      window.speechSynthesis.cancel();
    }
    stop.hidden = true;
    speak.focus();
    say("読み上げを停止しました。");
  });
})();
