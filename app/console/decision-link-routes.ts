/**
 * Signed decision links: `GET /d/<token>` shows the request and a confirm button and changes
 * nothing; `POST /d/<token>` (the token in the body: it is itself the single-use capability, so no
 * session or CSRF token is needed) casts the recipient's vote if the channel's qualifier allows it,
 * claiming the token in the store first so it decides once, across restarts and instances.
 */
import type { Response, Router } from 'express';
import { z } from 'zod';
import type { RequestRecord } from '../ports/store.js';
import { AppError } from '../services/app-error.js';
import type { ConsoleKit } from './console-kit.js';
import { decisionLinkClaim, verifyDecisionLink } from './decision-links.js';
import { readForm } from './http-helpers.js';
import { renderDecisionLink } from './pages/decision-link-page.js';
import { renderMessage } from './pages/login-page.js';
import { REFUSALS } from './viewer-access.js';

const LinkFormSchema = z.object({
  token: z.string().min(1).max(2048),
  reason: z.string().max(2000).optional(),
});

export function mountDecisionLinks(router: Router, kit: ConsoleKit): void {
  const { deps, context, chrome, page, fail } = kit;
  const linkProblem: Record<string, { status: number; text: string }> = {
    malformed: {
      status: 400,
      text: 'This link is not valid: it may have been cut short when it was copied. Open it from the message again.',
    },
    bad_signature: {
      status: 400,
      text: 'This link is not valid: it was not issued by this server, or was altered.',
    },
    expired: {
      status: 410,
      text: 'This link has expired. Ask for the request to be sent again, or sign in to decide.',
    },
  };

  async function linkTarget(res: Response, token: string) {
    if (!deps.decisionLinkQualifier)
      throw new AppError('not_found', 'Decision links are not enabled on this server.');
    const verified = verifyDecisionLink(deps.linksKey, token, context.clock.now());
    if (!verified.ok) {
      const problem = linkProblem[verified.problem] ?? { status: 400, text: 'This link is not valid.' };
      page(
        res,
        problem.status,
        chrome(null, 'Decision link'),
        renderMessage({ heading: 'This link cannot be used', text: problem.text }),
      );
      return null;
    }
    const request = await context.store.getRequest(verified.link.requestId);
    if (!request) throw new AppError('not_found', 'The request this link names no longer exists.');
    return { link: verified.link, request };
  }

  router.get('/d/:token', async (req, res) => {
    try {
      const token = String(req.params.token);
      const target = await linkTarget(res, token);
      if (!target) return;
      const { link, request } = target;
      const notice =
        request.status === 'pending'
          ? null
          : {
              kind: 'info' as const,
              text: `This request is already ${request.status}; the link cannot change it.`,
            };
      page(
        res,
        200,
        chrome(null, 'Confirm your decision'),
        renderDecisionLink({
          request,
          token,
          recipient: link.recipient,
          decision: link.decision,
          notice,
          canConfirm: request.status === 'pending',
        }),
      );
    } catch (error) {
      fail(res, null, error);
    }
  });

  router.post('/d/:token', async (req, res) => {
    try {
      const form = LinkFormSchema.safeParse(await readForm(req, res));
      if (!form.success || form.data.token !== String(req.params.token)) {
        throw new AppError(
          'bad_request',
          'Confirm from the page the link opened: the form did not carry its token.',
        );
      }
      const target = await linkTarget(res, form.data.token);
      if (!target) return;
      const { link, request } = target;
      const show = (status: number, kind: 'ok' | 'bad' | 'info', text: string, current: RequestRecord) =>
        page(
          res,
          status,
          chrome(null, 'Decision link'),
          renderDecisionLink({
            request: current,
            token: form.data.token,
            recipient: link.recipient,
            decision: link.decision,
            notice: { kind, text },
            canConfirm: false,
          }),
        );
      if (request.status !== 'pending')
        return show(409, 'info', `This request is already ${request.status}; a decision is final.`, request);
      const qualifier = deps.decisionLinkQualifier;
      if (!qualifier) return;
      const qualification = await qualifier(request, link.recipient);
      const ballot = {
        voter: link.recipient,
        decision: link.decision,
        reason: form.data.reason?.trim() || null,
        source: 'email',
        qualifiesFor: qualification.qualifiesFor,
        url: null,
      };
      if (qualification.qualifiesFor.length === 0) {
        await context.votes.castVote(request.id, ballot); // recorded as a refused vote; the link stays unused
        return show(
          403,
          'bad',
          `Your ${link.decision === 'approve' ? 'approval' : 'denial'} was not counted: ${REFUSALS[qualification.refusal ?? 'not_approver']}.`,
          request,
        );
      }
      const claim = decisionLinkClaim(link);
      if (!(await context.store.claimGitHubKey(claim, context.clock.now().toISOString()))) {
        return show(410, 'bad', 'This link was already used. Each link decides once.', request);
      }
      let outcome: Awaited<ReturnType<typeof context.votes.castVote>>;
      try {
        outcome = await context.votes.castVote(request.id, ballot);
      } catch (error) {
        await context.store.releaseGitHubKey(claim); // nothing was counted: the link may be used again
        throw error;
      }
      const texts: Record<string, [number, 'ok' | 'bad' | 'info', string]> = {
        approved: [200, 'ok', 'Your vote decided it: approved.'],
        denied: [200, 'ok', 'Your vote decided it: denied.'],
        counted: [200, 'ok', 'Your approval was counted; more approvals are needed.'],
        duplicate: [200, 'info', 'You had already approved this request; nothing changed.'],
        not_qualified: [
          403,
          'bad',
          `Your ${link.decision === 'approve' ? 'approval' : 'denial'} was not counted: you are not one of the approvers of this request.`,
        ],
        not_pending: [409, 'info', `This request is already ${outcome.request.status}; a decision is final.`],
      };
      const [status, kind, text] = texts[outcome.outcome] ?? [200, 'info', 'Done.'];
      context.log.info(
        { requestId: request.id, voter: link.recipient, outcome: outcome.outcome },
        'decision link used',
      );
      show(status, kind, text, outcome.request);
    } catch (error) {
      fail(res, null, error);
    }
  });
}
