/**
 * The content workflow's adapters (CMS, social, brand, web search), built once per service
 * from the configuration. Tests and embedders may install their own with `setContentPorts`.
 */
import { ConfigError } from '../../errors.ts';
import type { WorkflowServices } from '../ports.ts';
import { loadBrand, type Brand } from './brand.ts';
import { createCms } from './cms/index.ts';
import type { CmsAdapter } from './cms/types.ts';
import type { ContentModel } from './model.ts';
import { judgeContentModel } from './model-judge.ts';
import { outboxSocial, webhookSocial, type SocialAdapter } from './social.ts';
import type { WebSearchPort } from './web/port.ts';
import { searxngSearch } from './web/searxng.ts';

export interface ContentPorts {
  cms: CmsAdapter;
  social: SocialAdapter;
  brand: Brand;
  /** None by default: research stays local. SearXNG with WEB_SEARCH_URL. */
  webSearch: WebSearchPort | null;
  /** Draft, review and revision by the configured model (Claude or a local one); null offline: the extractive draft. */
  model: ContentModel | null;
}

const bound = new WeakMap<object, ContentPorts>();

export function setContentPorts(services: WorkflowServices, ports: Partial<ContentPorts>): void {
  bound.set(services, { ...contentPorts(services), ...ports });
}

export function contentPorts(services: WorkflowServices): ContentPorts {
  let ports = bound.get(services);
  if (!ports) {
    const env = services.config.env;
    const webSearch = env.WEB_SEARCH_URL
      ? searxngSearch({
          url: env.WEB_SEARCH_URL,
          limits: { timeoutMs: 10_000, maxBytes: 2 * 1024 * 1024, allowPrivate: env.WEB_FETCH_ALLOW_PRIVATE },
          onSkip: (url, why) => services.log.warn({ component: 'content', url, why }, 'web result not read'),
        })
      : null;
    if (env.SOCIAL_WEBHOOK_URL && !env.SOCIAL_WEBHOOK_SECRET) throw new ConfigError('SOCIAL_WEBHOOK_URL needs SOCIAL_WEBHOOK_SECRET (whsec_…): posts are signed so the receiver knows they are ours');
    const social = env.SOCIAL_WEBHOOK_URL ? webhookSocial(services.pool, { url: env.SOCIAL_WEBHOOK_URL, secret: env.SOCIAL_WEBHOOK_SECRET! }) : outboxSocial(services.pool);
    ports = { cms: createCms(services.config), social, brand: loadBrand(env.MAILROOM_BRAND), webSearch, model: services.decisions.judge ? judgeContentModel(services.decisions.judge.bind(services.decisions)) : null };
    bound.set(services, ports);
  }
  return ports;
}
