// Pickers (crm.formfields.PickerField): type part of a name, a credit code or pinyin
// initials and choose from the matches the server sends (?q=, JSON). Keyboard: arrows
// move, Enter chooses, Esc closes. ARIA 1.2 combobox with a listbox. Without this
// script the text box is a plain field the server looks up when the form is saved.
// And selects with data-follows="<id>" show only the <optgroup> named by that
// select's chosen option (落地县 and 园区 follow 落地市（州）).
// A script file, no inline handlers: the page runs under a strict CSP.
(function () {
  "use strict";
  var WAIT_MS = 60;  // pause in typing before asking the server
  var counter = 0;

  function Picker(box) {
    this.box = box;
    this.url = box.dataset.picker;
    this.hidden = box.querySelector("input[type=hidden]");
    this.input = box.querySelector("input[type=text]");
    this.items = [];
    this.active = -1;
    this.asked = 0;
    this.timer = null;
    this.picked = this.input.value;  // the name shown for the id the page came with
    counter += 1;
    this.list = document.createElement("ul");
    this.list.id = "picker-list-" + counter;
    this.list.className = "picker-list list-group";
    this.list.setAttribute("role", "listbox");
    this.list.hidden = true;
    this.status = document.createElement("div");
    this.status.className = "visually-hidden";
    this.status.setAttribute("aria-live", "polite");
    box.appendChild(this.list);
    box.appendChild(this.status);
    var input = this.input;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", this.list.id);
    input.addEventListener("input", this.typed.bind(this));
    input.addEventListener("keydown", this.key.bind(this));
    input.addEventListener("blur", this.close.bind(this));
    this.list.addEventListener("mousedown", this.clicked.bind(this));
  }

  Picker.prototype.typed = function () {
    var q = this.input.value.trim();
    if (this.input.value !== this.picked) {
      this.hidden.value = "";  // what is typed now is not the chosen record
    }
    clearTimeout(this.timer);
    if (!q) {
      this.close();
      return;
    }
    this.timer = setTimeout(this.ask.bind(this, q), WAIT_MS);
  };

  Picker.prototype.ask = function (q) {
    var self = this;
    var ticket = ++this.asked;
    fetch(this.url + "?q=" + encodeURIComponent(q), {
      credentials: "same-origin", headers: {"Accept": "application/json"}
    }).then(function (response) {
      return response.ok ? response.json() : {items: []};
    }).then(function (body) {
      if (ticket === self.asked && self.input.value.trim() === q) {
        self.show(body.items || []);
      }
    }).catch(function () { /* offline: the text box still works as a plain field */ });
  };

  Picker.prototype.show = function (items) {
    this.items = items;
    this.active = -1;
    this.list.textContent = "";
    var self = this;
    items.forEach(function (item, i) {
      var li = document.createElement("li");
      li.id = self.list.id + "-" + i;
      li.className = "list-group-item picker-option";
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.dataset.index = String(i);
      var name = document.createElement("div");
      name.textContent = item.name;
      var more = document.createElement("div");
      more.className = "small text-muted";
      more.textContent = [item.enterprise, item.city, item.credit_code]
        .filter(Boolean).join(" · ");
      li.appendChild(name);
      li.appendChild(more);
      self.list.appendChild(li);
    });
    this.status.textContent = items.length ? "找到 " + items.length + " 项，上下键选择，回车确定"
      : "没有匹配的记录";
    this.setOpen(items.length > 0);
  };

  Picker.prototype.setOpen = function (open) {
    this.list.hidden = !open;
    this.input.setAttribute("aria-expanded", open ? "true" : "false");
    if (!open) {
      this.input.removeAttribute("aria-activedescendant");
    }
  };

  Picker.prototype.close = function () {
    clearTimeout(this.timer);
    this.asked += 1;  // an answer still on its way is not shown
    this.setOpen(false);
  };

  Picker.prototype.move = function (step) {
    if (this.list.hidden) {
      if (this.items.length) { this.setOpen(true); } else { return; }
    }
    var n = this.items.length;
    this.active = (this.active + step + n) % n;
    var options = this.list.children;
    for (var i = 0; i < options.length; i++) {
      options[i].setAttribute("aria-selected", i === this.active ? "true" : "false");
    }
    this.input.setAttribute("aria-activedescendant", options[this.active].id);
    options[this.active].scrollIntoView({block: "nearest"});
  };

  Picker.prototype.choose = function (index) {
    var item = this.items[index];
    if (!item) { return; }
    this.hidden.value = String(item.id);
    this.input.value = this.picked = item.name;
    this.status.textContent = "已选择 " + item.name;
    this.close();
  };

  Picker.prototype.key = function (event) {
    var open = !this.list.hidden;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      this.move(event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "Enter" && open) {
      event.preventDefault();  // choosing, not submitting the form
      this.choose(this.active >= 0 ? this.active : 0);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      this.close();
    }
  };

  Picker.prototype.clicked = function (event) {
    var option = event.target.closest("[role=option]");
    if (option) {
      event.preventDefault();  // keep the focus in the text box
      this.choose(Number(option.dataset.index));
    }
  };

  // --- selects whose groups follow another select ---------------------------------
  function follow(select) {
    var leader = document.getElementById(select.dataset.follows);
    if (!leader) { return; }
    var all = Array.prototype.slice.call(select.children);
    function refresh() {
      var chosen = leader.selectedIndex >= 0 && leader.value
        ? leader.options[leader.selectedIndex].text : null;
      var keep = select.value;
      select.textContent = "";
      all.forEach(function (child) {
        if (child.tagName !== "OPTGROUP" || chosen === null || child.label === chosen) {
          select.appendChild(child);
        }
      });
      select.value = keep;
      if (select.value !== keep) { select.value = ""; }
    }
    leader.addEventListener("change", refresh);
    refresh();
  }

  document.querySelectorAll(".picker[data-picker]").forEach(function (box) {
    new Picker(box);
  });
  document.querySelectorAll("select[data-follows]").forEach(follow);
})();
