// Words come from the page (rendered through Flask-Babel), so the scanner speaks the page's language.
// Plurals: the page renders each plural message for a few sample numbers; a count takes the text of the
// sample that falls in the same CLDR plural category, which is how gettext chose it too.

let strings = {};
let lang = "en";

export function setStrings(table, language) {
  strings = table || {};
  lang = language || document.documentElement.lang || "en";
}

function fill(template, values) {
  return String(template).replace(/%\((\w+)\)[sd]|\{(\w+)\}/g, (whole, a, b) => {
    const name = a || b;
    return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
  });
}

export function t(key, values = {}) {
  const template = strings[key];
  return fill(typeof template === "string" ? template : key, values);
}

export function tn(key, count, values = {}) {
  const forms = strings[key];
  if (!forms || typeof forms !== "object") return fill(key, { num: count, ...values });
  let rules;
  try {
    rules = new Intl.PluralRules(lang);
  } catch (error) {
    rules = new Intl.PluralRules("en");
  }
  const wanted = rules.select(count);
  const sample = Object.keys(forms).find((n) => rules.select(Number(n)) === wanted) ?? Object.keys(forms).pop();
  return fill(forms[sample], { num: count, ...values });
}

export function timeIn(zone, iso) {
  if (!iso) return "";
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return "";
  const options = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
  try {
    return new Intl.DateTimeFormat(lang, { ...options, timeZone: zone }).format(at);
  } catch (error) {
    return new Intl.DateTimeFormat(lang, options).format(at); // a zone this browser does not know
  }
}
