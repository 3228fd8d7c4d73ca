// t(text, values): the page scripts' words in the reader's language. base.html puts the
// translations as JSON in <meta name="js-messages"> (data, never run); placeholders are
// %(name)s.
(function () {
  var node = document.querySelector('meta[name="js-messages"]');
  var messages = node ? JSON.parse(node.content) : {};
  window.t = function (text, values) {
    return (messages[text] || text).replace(/%\((\w+)\)s/g, function (whole, key) {
      return values && key in values ? String(values[key]) : whole;
    });
  };
})();
