/**
 * The landing page and browser sign-in: `/` says who is signed in and links
 * GraphiQL, the API reference and the docs; `/auth/login` sends the person to
 * the identity provider, `/auth/callback` opens the session (a `__Host-`
 * cookie: HttpOnly, Secure, SameSite=Lax), `POST /auth/logout` ends it (the
 * form carries the session's own token). The domain (BrowserSignIn) decides;
 * this file only speaks HTTP and HTML.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../../../core/errors.js';
import { API_DOCS_PATH } from '../../../../doors/http/api-docs.js';
import { SESSION_COOKIE } from '../../../../doors/http/authentication.js';
import type { Services } from '../../../../doors/services.js';
import { projectRoot } from '../../../../infra/project.js';
import { FLOW_LIFETIME_MS } from '../../use-cases/browser.js';

const FLOW_COOKIE = '__Host-credentials-sign-in';
const COOKIE = { httpOnly: true, secure: true, sameSite: 'lax', path: '/' } as const;
/** The docs people read first, served as Markdown from the release's docs/ (when it has them). */
const DOC_FILES = ['operating.md', 'sign-in.md', 'client.md', 'api-graphql.md', 'api-rest.md', 'delivery.md', 'security.md'];

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title><link rel="icon" href="data:,">
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body>
<h1>Credentials service</h1>
${body}
<ul>
<li><a href="/graphql">GraphiQL</a>: the GraphQL API</li>
<li><a href="${API_DOCS_PATH}">REST API reference</a></li>
<li>Documentation: ${DOC_FILES.map((f) => `<a href="/docs/${f}">${f.replace('.md', '')}</a>`).join(', ')}</li>
</ul>
</body>
</html>`;
}

const html = (reply: FastifyReply, status: number, text: string) =>
  reply.status(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(text);

export async function registerSignIn(app: FastifyInstance, services: Services, publicUrl: string | undefined): Promise<void> {
  await app.register(cookie);
  const signIn = services.signIn;

  app.get('/', async (request, reply) => {
    const who = await signIn.page(request.cookies[SESSION_COOKIE]);
    if (who) {
      return html(
        reply,
        200,
        page(
          'Credentials service',
          `<p>Signed in as <strong id="signed-in">${escapeHtml(who.displayName ?? who.name)}</strong>${who.email ? ` (${escapeHtml(who.email)})` : ''}.
GraphiQL sends your requests with this session: no token to paste.</p>
<form method="post" action="/auth/logout"><input type="hidden" name="csrf" value="${escapeHtml(who.csrf)}"><button type="submit" id="sign-out">Sign out</button></form>`,
        ),
      );
    }
    return html(
      reply,
      200,
      page(
        'Credentials service',
        signIn.enabled
          ? `<p>${signIn.providers
              .map(
                (p, i) =>
                  `<a${i === 0 ? ' id="sign-in"' : ''} class="sign-in" href="/auth/login${p.name === 'default' ? '' : `?provider=${encodeURIComponent(p.name)}`}">${escapeHtml(p.label)}</a>`,
              )
              .join(' · ')} with your organization’s account.</p>`
          : '<p>Apps and people send an access token (<code>Authorization: Bearer cst_…</code>); an operator makes them with the CLI.</p>',
      ),
    );
  });

  const docs = new Map<string, string>();
  for (const file of DOC_FILES) {
    try {
      docs.set(file, readFileSync(join(projectRoot(), 'docs', file), 'utf8'));
    } catch {
      /* a release without its docs: not served */
    }
  }
  app.get('/docs/:file', async (request, reply) => {
    const text = docs.get((request.params as { file: string }).file);
    if (text === undefined) return reply.callNotFound();
    return reply.header('cache-control', 'public, max-age=300').type('text/markdown; charset=utf-8').send(text);
  });

  app.get('/auth/login', async (request, reply) => {
    const { provider, next } = request.query as { provider?: unknown; next?: unknown };
    let started: { url: string; flow: string };
    try {
      started = await signIn.start(typeof provider === 'string' ? provider : undefined, typeof next === 'string' ? next : undefined);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return html(reply, 400, page('Sign-in failed', `<p id="sign-in-failed">${escapeHtml(error.message)}</p>`));
    }
    const { url, flow } = started;
    return reply
      .setCookie(FLOW_COOKIE, flow, { ...COOKIE, maxAge: FLOW_LIFETIME_MS / 1000 })
      .header('cache-control', 'no-store')
      .redirect(url, 302);
  });

  app.get('/auth/callback', async (request, reply) => {
    reply.clearCookie(FLOW_COOKIE, COOKIE);
    try {
      const callback = new URL(
        `${publicUrl}/auth/callback${request.url.slice(request.url.indexOf('?') === -1 ? request.url.length : request.url.indexOf('?'))}`,
      );
      const opened = await signIn.finish(callback, request.cookies[FLOW_COOKIE]);
      return reply
        .setCookie(SESSION_COOKIE, opened.cookie, { ...COOKIE, expires: opened.expiresAt })
        .header('cache-control', 'no-store')
        .redirect(opened.next ?? '/', 303);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return html(reply, 401, page('Sign-in failed', `<p id="sign-in-failed">${escapeHtml(error.message)}</p><p><a href="/auth/login">Try again</a></p>`));
    }
  });

  // The client's sign-in (`credentials login`): the person confirms on this page; the answer goes to the client's
  // loopback address, encrypted to its key (client-login.ts decides).
  app.get('/auth/cli', async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    let checked: ReturnType<typeof services.clientLogin.check>;
    try {
      checked = services.clientLogin.check(query);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return html(reply, 400, page('Sign-in failed', `<p id="sign-in-failed">${escapeHtml(error.message)}</p>`));
    }
    const who = await signIn.page(request.cookies[SESSION_COOKIE]);
    if (!who) {
      if (!signIn.enabled)
        return html(
          reply,
          400,
          page('Sign-in failed', '<p id="sign-in-failed">Sign-in is not set up here: ask the operator for a token (credentials login --token)</p>'),
        );
      const next = `/auth/cli?${new URLSearchParams({ port: checked.port, state: checked.state, key: checked.key, code: checked.code })}`;
      return reply.header('cache-control', 'no-store').redirect(`/auth/login?${new URLSearchParams({ next })}`, 303);
    }
    // The form's answer leads to the client's loopback address: this page's policy lets a form go there, and nowhere else.
    const policy = String(reply.getHeader('content-security-policy') ?? '');
    reply.header('content-security-policy', policy.replace("form-action 'self'", `form-action 'self' http://127.0.0.1:${checked.port}`));
    const hidden = Object.entries({ ...checked, csrf: who.csrf })
      .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
      .join('');
    return html(
      reply,
      200,
      page(
        'Sign in the command-line client',
        `<p>The command-line client on this computer asks to act as <strong>${escapeHtml(who.displayName ?? who.name)}</strong>: it gets a token of yours that
fetches credentials and pipeline secrets (scope keys:read), listed among your tokens, until it expires.</p>
<p>Your terminal shows the code <strong id="client-code">${escapeHtml(checked.code)}</strong>. Allow only if it is the same.</p>
<form method="post" action="/auth/cli">${hidden}<button type="submit" name="answer" value="allow" id="allow">Allow</button>
<button type="submit" name="answer" value="deny" id="deny">Deny</button></form>`,
      ),
    );
  });

  await app.register(async (forms) => {
    // The sign-out form's body (a browser's form encoding): only here.
    forms.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) =>
      done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    forms.post('/auth/cli', async (request: FastifyRequest, reply) => {
      const form = (request.body ?? {}) as Record<string, string>;
      try {
        // The form must come from this service's page of a live session (its token), not from another site.
        const viewer = await signIn.formViewer(request.cookies[SESSION_COOKIE], form.csrf);
        const asked = { port: form.port, state: form.state, key: form.key, code: form.code };
        const to = form.answer === 'allow' ? await services.clientLogin.allow(viewer, asked) : services.clientLogin.deny(asked);
        return reply.header('cache-control', 'no-store').redirect(to, 303);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        return html(reply, error.kind === 'unauthenticated' ? 403 : 400, page('Sign-in failed', `<p id="sign-in-failed">${escapeHtml(error.message)}</p>`));
      }
    });
    forms.post('/auth/logout', async (request: FastifyRequest, reply) => {
      const csrf = (request.body as Record<string, string> | undefined)?.csrf;
      try {
        await signIn.signOut(request.cookies[SESSION_COOKIE], csrf);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        return html(reply, 403, page('Not signed out', `<p>${escapeHtml(error.message)}</p>`));
      }
      return reply.clearCookie(SESSION_COOKIE, COOKIE).redirect('/', 303);
    });
  });
}
