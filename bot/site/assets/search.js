// Search over the entries as people type: fold the query as the bot does (lower case, no
// accents, no digits), then score each entry by the query words its words start with, weighted
// by field and by how rare the word is among the entries. No requests, no libraries.
(function () {
  "use strict";
  var data = window.MYTHBOT_SEARCH;
  var box = document.querySelector("search");
  if (!data || !box) return;
  var input = document.getElementById("q");
  var results = document.getElementById("results");
  var none = document.getElementById("no-results");
  var stop = new Set(data.stopwords);
  var WEIGHTS = { title_terms: 3, asked_terms: 2, answer_terms: 1 };
  var MAX_RESULTS = 8;
  var docs = data.docs.map(function (d) {
    var fields = {};
    Object.keys(WEIGHTS).forEach(function (f) { fields[f] = d[f].split(" "); });
    return { id: d.id, title: d.title, url: d.url, fields: fields };
  });

  function fold(text) {
    return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[^a-z]+/g, " ").trim().split(/\s+/)
      .filter(function (w) { return w.length > 1 && !stop.has(w); });
  }

  // 1 for the same word, less for a word that starts with the query word ("rust" -> "rusten")
  // or that the query word starts with ("knieen" -> "knie"), 0 otherwise.
  function closeness(query, term) {
    if (term === query) return 1;
    if (query.length >= 3 && term.indexOf(query) === 0) return 0.8;
    if (term.length >= 4 && query.indexOf(term) === 0) return 0.6;
    return 0;
  }

  function best(query, terms) {
    var found = 0;
    for (var i = 0; i < terms.length && found < 1; i++) {
      found = Math.max(found, closeness(query, terms[i]));
    }
    return found;
  }

  function search(text) {
    var words = fold(text);
    var scores = docs.map(function () { return 0; });
    words.forEach(function (w) {
      var per = docs.map(function (d) {
        var s = 0;
        Object.keys(WEIGHTS).forEach(function (f) { s += WEIGHTS[f] * best(w, d.fields[f]); });
        return s;
      });
      var df = per.filter(function (s) { return s > 0; }).length;
      if (!df) return;
      var idf = Math.log(1 + docs.length / df);
      per.forEach(function (s, i) { scores[i] += s * idf; });
    });
    return docs.map(function (d, i) { return { doc: d, score: scores[i] }; })
      .filter(function (r) { return r.score > 0; })
      .sort(function (a, b) { return b.score - a.score; })
      .slice(0, MAX_RESULTS);
  }

  function show() {
    var text = input.value;
    results.textContent = "";
    if (!fold(text).length) { none.hidden = true; return; }
    var found = search(text);
    found.forEach(function (r) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = r.doc.url;
      a.textContent = r.doc.title;
      li.appendChild(a);
      results.appendChild(li);
    });
    none.hidden = found.length > 0;
  }

  box.hidden = false;
  input.addEventListener("input", show);
  window.mythbotSearch = search; // for the browser tests
  show();
})();
