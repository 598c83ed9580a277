/* The studio's keyboard and htmx glue. No build step; plain ES2017. */
(function () {
  "use strict";

  // htmx leaves 4xx responses unswapped; the studio answers bad input (400), a lost race (409)
  // and a stale edit (412) with a fragment whose role="alert" says what happened, so show it.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 400 || status === 409 || status === 412) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  var lastIndex = 0;

  function findings() {
    return Array.prototype.slice.call(document.querySelectorAll("#inbox-list .finding"));
  }

  function current() {
    var active = document.activeElement;
    return active && active.closest ? active.closest("#inbox-list .finding") : null;
  }

  function focusAt(index, showHeader) {
    var items = findings();
    if (!items.length) return;
    index = Math.max(0, Math.min(index, items.length - 1));
    lastIndex = index;
    var group = items[index].closest(".group");
    items[index].focus({ preventScroll: true });
    if (showHeader && group) {
      // After an action the list is new: bring the group's header (what it is) into view with
      // the focused finding; only a finding too far down a long group wins over its header.
      group.scrollIntoView({ block: "start" });
      if (items[index].getBoundingClientRect().bottom > window.innerHeight) {
        items[index].scrollIntoView({ block: "nearest" });
      }
    } else {
      items[index].scrollIntoView({ block: "nearest" });
    }
  }

  // --- Bulk triage: groups picked by their checkboxes (x, click, shift-click, ctrl-click) ---
  var lastPicked = null;

  function picks() {
    return Array.prototype.slice.call(document.querySelectorAll("#inbox-list [data-bulk-pick]"));
  }

  function pickChanged() {
    var count = 0;
    picks().forEach(function (box) {
      var group = box.closest(".group");
      if (group) group.classList.toggle("selected", box.checked);
      if (box.checked) count += 1;
    });
    var shown = document.querySelector("#inbox-list [data-bulk-count]");
    if (shown) shown.textContent = String(count);
    return count;
  }

  function pickRange(from, to, checked) {
    var boxes = picks();
    var a = boxes.indexOf(from), b = boxes.indexOf(to);
    if (a < 0 || b < 0) return;
    for (var i = Math.min(a, b); i <= Math.max(a, b); i++) boxes[i].checked = checked;
  }

  function togglePick(group, shift) {
    var box = group && group.querySelector("[data-bulk-pick]");
    if (!box) return false;
    box.checked = !box.checked;
    if (shift && lastPicked && lastPicked !== box) pickRange(lastPicked, box, box.checked);
    lastPicked = box;
    pickChanged();
    return true;
  }

  function bulk(action) {
    if (!pickChanged()) return false;
    var button = document.querySelector('#bulk-form [data-action="' + action + '"]');
    if (!button) return false;
    lastIndex = Math.max(0, findings().indexOf(current()));
    button.click();
    return true;
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target.closest) return;
    var box = target.closest("[data-bulk-pick]");
    if (box) {
      // The browser already toggled it; shift-click extends from the last one picked.
      if (event.shiftKey && lastPicked && lastPicked !== box) pickRange(lastPicked, box, box.checked);
      lastPicked = box;
      pickChanged();
      return;
    }
    // Ctrl-click (cmd-click) anywhere on a group that is not a control picks it too.
    if ((event.ctrlKey || event.metaKey) && !target.closest("a, button, input, select, textarea, label, summary")) {
      var group = target.closest("#inbox-list .group");
      if (group) {
        event.preventDefault();
        togglePick(group, false);
      }
    }
  });

  function move(step) {
    var items = findings();
    var here = items.indexOf(current());
    focusAt(here < 0 ? lastIndex : here + step);
  }

  function moveGroup(step) {
    var groups = Array.prototype.slice.call(document.querySelectorAll("#inbox-list .group"));
    if (!groups.length) return;
    var item = current();
    var here = item ? groups.indexOf(item.closest(".group")) : -1;
    var target = groups[Math.max(0, Math.min(here + step, groups.length - 1))];
    var first = target && target.querySelector(".finding");
    if (first) focusAt(findings().indexOf(first));
  }

  function press(scope, action) {
    if (!scope) return false;
    var button = scope.querySelector('[data-action="' + action + '"]');
    if (!button) return false;
    lastIndex = Math.max(0, findings().indexOf(current()));
    button.click();
    return true;
  }

  function closeSlots() {
    document.querySelectorAll("#inbox-list .slot").forEach(function (slot) { slot.innerHTML = ""; });
  }

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  document.addEventListener("keydown", function (event) {
    // Ctrl+Enter (cmd+Enter) sends the form being typed in: a reply, an edit.
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter" && typing(event.target)) {
      var form = event.target.form || (event.target.closest && event.target.closest("form"));
      if (form) {
        event.preventDefault();
        if (form.requestSubmit) form.requestSubmit(); else form.submit();
      }
      return;
    }
    var inbox = document.getElementById("inbox-list");
    var help = document.getElementById("keys-help");
    if (!inbox || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape") {
      var slot = event.target.closest && event.target.closest(".slot");
      if (slot) {
        var item = slot.closest(".finding") || slot.closest(".group").querySelector(".finding");
        slot.innerHTML = "";
        if (item) item.focus();
        event.preventDefault();
      }
      return;
    }
    if (typing(event.target)) return;
    if (help && help.open) return;
    var item = current();
    var group = item ? item.closest(".group") : null;
    var handled = true;
    switch (event.key) {
      case "j": case "ArrowDown": move(1); break;
      case "k": case "ArrowUp": move(-1); break;
      case "n": moveGroup(1); break;
      case "p": moveGroup(-1); break;
      case "a": handled = press(group, "accept"); break;
      case "m": handled = press(group, "merge"); break;
      case "d": handled = press(group, "dismiss"); break;
      case "c": handled = press(group, "dismiss-content"); break;
      case "e": handled = press(item, "edit"); break;
      case "s": handled = press(item, "split"); break;
      case "r": handled = press(item, "reply"); break;
      case "x": handled = togglePick(group, false); break;
      case "X": handled = togglePick(group, true); break;
      case "A": handled = bulk("bulk-accept"); break;
      case "D": handled = bulk("bulk-dismiss"); break;
      case "C": handled = bulk("bulk-dismiss-content"); break;
      case "u":
        var undo = document.querySelector('#inbox-list [data-action="undo"]');
        if (undo) { undo.click(); } else { handled = false; }
        break;
      case "t":
        var title = group && group.querySelector('[data-field="title"]');
        if (title) { title.focus(); title.select(); } else { handled = false; }
        break;
      case "?": if (help) help.showModal(); break;
      default: handled = false;
    }
    if (handled) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var cancel = event.target.closest && event.target.closest('[data-action="cancel"]');
    if (!cancel) return;
    var slot = cancel.closest(".slot");
    if (slot) {
      var item = slot.closest(".finding");
      slot.innerHTML = "";
      if (item) item.focus();
    }
  });

  // After htmx swaps: a form loaded into a slot takes the focus; a refreshed inbox list puts it
  // back where it was (the next group slides into place after an accept or a dismiss).
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (!target) return;
    if (target.classList && target.classList.contains("slot")) {
      var field = target.querySelector("[data-autofocus], select, input:not([type=hidden]), textarea");
      if (field) field.focus();
      return;
    }
    var list = document.getElementById("inbox-list");
    if (!list) return;
    pickChanged();
    if (list.querySelector(".slot:not(:empty)")) return;
    var active = document.activeElement;
    var focusLost = !active || active === document.body || !document.body.contains(active);
    if (active && active.classList && active.classList.contains("finding") && list.contains(active)) {
      // htmx kept the focus on the same finding (same id): show it with its group's header.
      focusAt(findings().indexOf(active), true);
    } else if (focusLost) {
      // Only when the swap took the focus away: never pull it from where the person put it.
      focusAt(lastIndex, true);
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    if (document.getElementById("inbox-list") && !document.activeElement.closest("form")) {
      var first = findings()[0];
      if (first) first.focus({ preventScroll: true });
    }
  });
})();

/* ---- The errata board (ui-board): severity keys 1–4, row moves, focus after a swap. ----
   Also the severity keys in the inbox: 1–4 set the focused group's severity before accepting. */
(function () {
  "use strict";

  var SEVERITIES = ["low", "medium", "high", "critical"];

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA)$/.test(target.tagName));
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#board-list .erratum-row"));
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var n = SEVERITIES.length;
    var index = "1234".indexOf(event.key);
    var board = document.getElementById("board-list");
    var inbox = document.getElementById("inbox-list");
    if (board) {
      var row = event.target.closest && event.target.closest("#board-list .erratum-row");
      if (event.key === "j" || event.key === "k") {
        var all = rows();
        var here = all.indexOf(row);
        var next = all[Math.max(0, Math.min(all.length - 1, here + (event.key === "j" ? 1 : -1)))];
        if (next) { next.focus(); event.preventDefault(); }
        return;
      }
      if (index < 0 || index >= n || !row) return;
      var select = row.querySelector('select[data-field="severity"]');
      if (!select || select.value === SEVERITIES[index]) return;
      select.value = SEVERITIES[index];
      select.dispatchEvent(new Event("change", { bubbles: true }));
      event.preventDefault();
    } else if (inbox && index >= 0 && index < n) {
      var group = event.target.closest && event.target.closest("#inbox-list .group");
      var choice = group && group.querySelector('select[name="severity"]');
      if (!choice) return;
      choice.value = SEVERITIES[index];
      event.preventDefault();
    }
  });

  // Esc in the title field shown after an accept leaves the title as suggested and goes back
  // to the inbox's findings.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !event.target.matches || !event.target.matches("[data-accept-title]")) return;
    var first = document.querySelector("#inbox-list .finding");
    if (first) { first.focus(); event.preventDefault(); }
  });

  // After the board list comes back from a quick action, the row acted on (perhaps moved to
  // another section) takes the focus, so keys go on working where they were.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "board-list") return;
    // The swapped-out element is the event's target; the new list is in the document.
    var list = document.getElementById("board-list");
    var acted = list && list.querySelector("[data-acted]");
    if (acted) {
      acted.focus({ preventScroll: true });
      acted.scrollIntoView({ block: "nearest" });
    }
  });
})();
