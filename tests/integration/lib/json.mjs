// Lossless JSON for the tests: quiver writes int64 values as exact JSON integers, which may exceed 2^53.
// parseJSON turns every integer literal (no '.', no exponent) that is not a safe JS integer into a BigInt;
// safe integers and all other numbers become Numbers. stringifyJSON writes BigInts as bare integers.

export function parseJSON(text) {
  if (typeof text !== 'string') text = Buffer.from(text).toString('utf8');
  let i = 0;
  const n = text.length;
  const fail = (msg) => {
    throw new SyntaxError(`JSON: ${msg} at offset ${i}: ${JSON.stringify(text.slice(Math.max(0, i - 20), i + 20))}`);
  };
  const ws = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
  };
  const value = () => {
    ws();
    if (i >= n) fail('unexpected end');
    const c = text[i];
    if (c === '{') {
      i++;
      const obj = {};
      ws();
      if (text[i] === '}') { i++; return obj; }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a key');
        const k = string();
        ws();
        if (text[i] !== ':') fail('expected :');
        i++;
        obj[k] = value();
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return obj; }
        fail('expected , or }');
      }
    }
    if (c === '[') {
      i++;
      const arr = [];
      ws();
      if (text[i] === ']') { i++; return arr; }
      for (;;) {
        arr.push(value());
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return arr; }
        fail('expected , or ]');
      }
    }
    if (c === '"') return string();
    if (text.startsWith('true', i)) { i += 4; return true; }
    if (text.startsWith('false', i)) { i += 5; return false; }
    if (text.startsWith('null', i)) { i += 4; return null; }
    return number();
  };
  const string = () => {
    // text[i] === '"'
    const start = ++i;
    let simple = true;
    while (i < n && text[i] !== '"') {
      if (text[i] === '\\') { simple = false; i += 2; } else i++;
    }
    if (i >= n) fail('unterminated string');
    const raw = text.slice(start, i);
    i++;
    if (simple) return raw;
    try {
      return JSON.parse('"' + raw + '"');
    } catch (e) {
      fail('bad string escape');
    }
  };
  const number = () => {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (!m) fail('unexpected character');
    i += m[0].length;
    if (m[2] === undefined && m[3] === undefined) {
      const num = Number(m[0]);
      if (Number.isSafeInteger(num)) return num;
      return BigInt(m[0]);
    }
    return Number(m[0]);
  };
  const v = value();
  ws();
  if (i !== n) fail('trailing characters');
  return v;
}

export function stringifyJSON(v, space) {
  return JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? `@@BIGINT${x}@@` : x), space)
    .replace(/"@@BIGINT(-?[0-9]+)@@"/g, '$1');
}

// Normalise a number-like value for comparison: BigInts in the safe range become Numbers.
export function normInt(v) {
  if (typeof v === 'bigint' && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) {
    return Number(v);
  }
  return v;
}
