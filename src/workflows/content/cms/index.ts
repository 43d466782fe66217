/** Chooses the CMS adapter from the configuration (`CMS`), naming what is missing. */
import path from 'node:path';
import type { Config } from '../../../config.ts';
import { ConfigError } from '../../../errors.ts';
import { folderCms } from './folder.ts';
import { ghostCms } from './ghost.ts';
import type { CmsAdapter } from './types.ts';
import { wordpressCms } from './wordpress.ts';

export function createCms(config: Config): CmsAdapter {
  const env = config.env;
  if (env.CMS === 'wordpress') {
    const missing = (['WORDPRESS_URL', 'WORDPRESS_USER', 'WORDPRESS_APP_PASSWORD'] as const).filter((k) => !env[k]);
    if (missing.length) throw new ConfigError(`CMS=wordpress needs ${missing.join(', ')} (an application password: Users > Profile > Application Passwords)`);
    return wordpressCms({ url: env.WORDPRESS_URL!, user: env.WORDPRESS_USER!, appPassword: env.WORDPRESS_APP_PASSWORD! });
  }
  if (env.CMS === 'ghost') {
    const missing = (['GHOST_URL', 'GHOST_ADMIN_KEY'] as const).filter((k) => !env[k]);
    if (missing.length) throw new ConfigError(`CMS=ghost needs ${missing.join(', ')} (Settings > Integrations > a custom integration's Admin API key)`);
    return ghostCms({ url: env.GHOST_URL!, adminKey: env.GHOST_ADMIN_KEY! });
  }
  return folderCms(path.join(config.dataDir, 'site'), env.PUBLIC_URL);
}
