/** Synthetic access configurations for tests and the benchmark (deterministic for a seed). */
import type { AccessConfig } from '../../config/access.js';

export function generateAccessConfig(options: { providers: number; scopesPerProvider: number; grantsPerScope: number | [number, number]; consumers: number; seed?: number }): AccessConfig {
  let seed = options.seed ?? 1;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const consumers = Array.from({ length: options.consumers }, (_, i) => `consumer-${String(i).padStart(4, '0')}`);
  const config: AccessConfig = { consumers: Object.fromEntries(consumers.map((id) => [id, {}])), identityClaims: [], providers: {} };
  for (let p = 0; p < options.providers; p++) {
    const scopes: AccessConfig['providers'][string]['scopes'] = {};
    for (let s = 0; s < options.scopesPerProvider; s++) {
      const [min, max] = Array.isArray(options.grantsPerScope) ? options.grantsPerScope : [options.grantsPerScope, options.grantsPerScope];
      const count = min + Math.floor(random() * (max - min + 1));
      const chosen = new Set<string>();
      while (chosen.size < Math.min(count, consumers.length)) chosen.add(consumers[Math.floor(random() * consumers.length)]);
      scopes[`scope-${s}`] = { grants: [...chosen].sort().map((client) => ({ client })) };
    }
    config.providers[`provider-${String(p).padStart(4, '0')}`] = { scopes };
  }
  return config;
}
