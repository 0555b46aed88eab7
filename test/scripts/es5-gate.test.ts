import { describe, expect, it } from 'vitest';
import { buildScripts } from '../../tooling/build/build-scripts.js';
import { checkEs5 } from '../../tooling/build/es5-gate.js';

describe('ES5 gate', () => {
  it('passes both built bundles, which contain no let/const and keep readable names', async () => {
    for (const bundle of await buildScripts()) {
      expect(checkEs5(bundle.source, bundle.name)).toEqual([]);
      expect(bundle.source).not.toMatch(/\b(let|const)\s/);
      expect(bundle.source).toContain(bundle.name === 'policy-eval-mod' ? 'function modifyAccessToken' : 'function validateAccessTokenScope');
    }
  });

  it.each([
    ['const x = 1;', /not ES5/],
    ['for (var i = 0; i < 3; i++) { let y = i; }', /not ES5|"let"/],
    ['class A {}', /not ES5/],
    ['var m = new Map();', /uses Map at line 1, column 13/],
    ['var p = Promise.resolve(1);', /uses Promise/],
    ['console.log(1);', /uses console/],
    ['var v = Object.values({});', /Object.values/],
    ['var f = [[1]].flat();', /\.flat\(\)/],
    ['var s = "a".replaceAll("a", "b");', /\.replaceAll\(\)/],
    ['var x = `t`;', /not ES5/],
  ])('refuses %j', (source, message) => {
    const problems = checkEs5(source, 'sample.js');
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).toMatch(message);
    expect(problems[0]).toMatch(/^sample\.js: /);
  });

  it('accepts ES5 that merely mentions those names as properties or locals', () => {
    expect(checkEs5('var o = { Map: 1 }; o.Map = 2; function f(Promise) { return Promise; }', 'ok.js')).toEqual([]);
  });
});
