// Package cases handles applications (辦件): submission online, at a window or a kiosk, the
// workflow of acceptance, review, decision and delivery, the statutory clock in working days,
// requests for materials, bundles, cross-region routing and the public status lookup.
//
// # State machine
//
// A case (Status) moves like this; every arrow is a Service method, checked against the
// principal's role and organisation, and made in one transaction with its audit record, its
// timeline event, its domain event and its notifications:
//
//	draft ──Submit──▶ submitted ──Accept──▶ accepted ──Review──▶ reviewed ──Decide──▶ approved ──Deliver──▶ completed
//	                   │    ▲                 │   ▲                 │            ╰─(fees)─▶ awaiting_payment ──MarkPaid──▶ approved
//	    RequestMaterials    Resubmit  RequestMaterials  Resubmit      ╰──Decide──▶ denied ──Deliver──▶ completed
//	                   ▼    │                 ▼   │
//	             supplement_requested   supplement_requested (the clock is paused)
//
//	submitted, supplement_requested ──Reject──▶ not_accepted (不予受理, with reasons)
//	draft … reviewed ──Withdraw (applicant)──▶ withdrawn
//	submitted ──ExportTransfer──▶ transferred ──ApplyTransferStatus──▶ completed / not_accepted / withdrawn
//
// A case transferred here from another province's node (ImportTransfer) starts submitted and
// follows the ordinary workflow; its applicant has no account here, so only the handling
// organisation sees it, and every new status is reported back (TopicTransferStatus).
//
// Requests for materials (補正) made at acceptance return the case to submitted on
// resubmission; made after acceptance (by a window officer or reviewer) they pause the clock and
// return the case to the status it had (accepted or reviewed). A special procedure (hearing,
// expert review, inspection, testing, public notice) started and ended by a handling official
// pauses the clock without changing the status; no decision is made while one runs. Completed
// cases carry their Outcome (approved or denied).
//
// A bundle (一件事) makes a parent case and one case per item, each routed to its item's
// organisation, with the one form's values and the materials each item needs. The parent has
// no workflow of its own: it is submitted with its cases, in_progress while any of them is being
// handled, and final when they all are — completed with outcome approved (all approved),
// partially_approved (some) or denied (none), or withdrawn when they all were.
//
// # Statutory clock
//
// The clock counts working days (internal/calendar) from acceptance, the day of acceptance not
// counted, against the promised limit (or the legal limit when the item promises none). 補正
// after acceptance and special procedures pause it; the working days a pause spans, counted
// like the limit, extend the due date. A case is due soon from WarnDays working days before its
// due date and overdue after it; Sweep, run periodically by the platform, records each of these
// once and tells the handling officials and the applicant. Every clock event (started, paused,
// resumed, warned, overdue, stopped) is on the case's timeline with its time.
//
// # Who may do what
//
// Residents see and change only their own cases; an enterprise's cases (applied for by an agent
// acting for it) are visible to the agents acting for it, but an agent applies, and acts on a
// case, only for items whose service scope (ItemSpec.AgentScope; every item of a bundle) the
// enterprise authorised it for, or with an authorisation for all services (as its legal
// representative acts). Officials see the cases of their
// organisation — as the handling organisation, or as the receiving one (收受分離) — and act
// only in their roles: window officers accept, ask for materials, refuse, collect
// applications at the window and deliver; reviewers review (and may ask for materials);
// approvers decide; reviewers and approvers start and end special procedures. A receiving window
// sees the case and may resubmit materials for the person and deliver by pickup. Anything else
// is errs.NotFound (the case is not theirs to know of) or errs.Forbidden (theirs to see, not to
// do).
//
// # Decisions
//
// A decision is a canonical JSON document (DecisionDocument) signed by the handling
// organisation's seal through the DecisionSigner, kept with the case (internal/blob) beside its
// signature, and appended to the ledger (ledger.TypeCaseDecision: the document's digest, the
// case number as subject) in the decision's own transaction, so that anyone holding the
// document and the signature can verify both, and the log shows the decision was made then.
package cases
