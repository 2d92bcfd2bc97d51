"""Generate data/scenarios/sample.jsonl (and larger synthetic sets for benchmarks).

The sample is deterministic: realistic scenarios across every category, a few edge cases that
must route normally (unicode, very long text, extra fields, blank lines), and a few deliberately
invalid rows that must land in scenario_rejects.

    python scripts/make_sample_scenarios.py                       # writes the shipped sample
    python scripts/make_sample_scenarios.py --count 10000 --out /tmp/s.jsonl   # valid only
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

# (category, description, context, prompt)
SCENARIOS = {
    "financial_operations": [
        ("Customer refund processing with rollback requirements", "Need to handle payment reversals and transaction rollbacks", "Process a $2,500 refund for order #12345 with full transaction history"),
        ("Nightly ledger reconciliation against the payment processor", "Mismatched settlement files appear about twice a month", "Reconcile yesterday's card settlements and flag any difference above $10"),
        ("Partial capture of a pre-authorised payment", "Warehouse shipped 3 of 5 items; the rest is back-ordered", "Capture the shipped amount and keep the remaining authorisation open"),
        ("Chargeback evidence package", "Merchant disputes a fraud chargeback with delivery proof", "Assemble the evidence bundle and submit before the 7-day deadline"),
        ("Currency conversion for cross-border payout", "FX rates update every 15 minutes; payouts must use the locked rate", "Pay out EUR 18,400 to a supplier at the rate quoted this morning"),
        ("Duplicate invoice payment recovery", "Accounts payable paid the same invoice twice", "Reverse the second payment and notify the vendor"),
        ("Subscription proration on plan downgrade", "Customer downgrades mid-cycle; credit must carry to next invoice", "Compute the prorated credit and adjust the upcoming invoice"),
        ("Batch payroll transfer with failure handling", "Three of 240 transfers bounced last month", "Run payroll and retry or reverse failed transfers safely"),
        ("Month-end accrual journal entries", "Auditors require traceable reversing entries", "Post accruals for unbilled services and schedule their reversal"),
        ("Escrow release on milestone completion", "Funds release only after both parties confirm", "Release 40% of escrow for milestone 2"),
        ("Gift card balance migration", "Legacy system stores balances in cents, new one in decimal", "Migrate 80,000 gift card balances without losing a cent"),
        ("Refund of a split-tender purchase", "Paid partly by gift card and partly by credit card", "Refund $120 to the original tenders in the right order"),
    ],
    "security_operations": [
        ("Suspicious login burst from new geography", "SIEM alert: 400 failed logins in 5 minutes for 12 accounts", "Triage the alert and decide whether to force password resets"),
        ("Leaked API key in a public repository", "Secret scanner found a production key committed 2 hours ago", "Rotate the key and assess what it accessed"),
        ("Ransomware indicator on a file server", "EDR flagged mass file renames with a new extension", "Contain the host and preserve forensic evidence"),
        ("Privileged access review", "Quarterly review of admin roles across 30 systems", "Produce the list of stale admin accounts and revoke them"),
        ("Phishing campaign targeting finance staff", "Five users reported emails impersonating the CFO", "Detect all recipients, purge the emails and monitor clicks"),
        ("TLS certificate expiry across services", "Two certificates expired last year and caused outages", "Find certificates expiring within 30 days and plan renewals"),
        ("Anomalous data egress from a database replica", "Network monitor shows 40 GB outbound at 3 a.m.", "Investigate the transfer and decide on isolation"),
        ("Vulnerability patch rollout for a critical CVE", "Exploit is public; 300 hosts affected", "Patch in waves with monitoring and a rollback plan"),
        ("Service account with excessive permissions", "Audit found a CI account with org-wide write access", "Reduce permissions without breaking deployments"),
        ("Insider threat investigation", "HR reports a departing engineer downloaded source archives", "Gather access logs and build an evidence timeline"),
        ("MFA enforcement for contractors", "Contractors bypass MFA through a legacy VPN", "Enforce MFA and monitor for lockouts"),
        ("Web application firewall rule tuning", "New rule blocks legitimate checkout requests", "Tune the rule and verify with traffic replay"),
    ],
    "system_integration": [
        ("Order sync between storefront and ERP", "Orders occasionally appear twice in the ERP after retries", "Make the order sync idempotent and reconcile duplicates"),
        ("CRM to data warehouse incremental load", "Source updates rows without changing timestamps", "Design change data capture for the contacts table"),
        ("Webhook consumer for shipping updates", "Carrier sends events out of order and sometimes twice", "Process shipment status transitions correctly"),
        ("Legacy SOAP service migration to REST", "Fifteen internal clients still call the SOAP endpoint", "Plan a strangler migration with state parity checks"),
        ("Inventory reservation across two warehouses", "Stock must never be oversold during flash sales", "Model reservation states and concurrent updates"),
        ("Identity provider switch for SSO", "Moving 4,000 users from one IdP to another", "Sync user lifecycle states and cut over without lockouts"),
        ("Message queue consumer backlog", "Consumer lag grows to 2 hours during peaks", "Redesign the consumer workflow for at-least-once delivery"),
        ("Schema change in a shared event stream", "Three teams consume the user-created event", "Roll out a backwards-compatible schema version"),
        ("Payment gateway failover integration", "Primary gateway has 99.5% uptime", "Route to a secondary gateway without double charging"),
        ("Multi-step onboarding workflow", "Onboarding spans KYC, account creation and welcome email", "Implement the onboarding saga with compensation steps"),
        ("Calendar sync between two SaaS tools", "Edits on both sides create conflicts", "Define conflict resolution and the sync state machine"),
        ("Bulk product catalogue import", "Supplier feeds 200k SKUs nightly with partial failures", "Import the feed with resumable checkpoints"),
    ],
    "compliance_management": [
        ("GDPR data subject access request", "Requests must be answered within 30 days", "Collect all personal data for user 88123 across systems"),
        ("SOX control evidence collection", "Auditors sample change approvals for financial systems", "Produce evidence for 25 sampled production changes"),
        ("PCI DSS scope reduction", "Card data flows through three services today", "Document the data flow and monitor for cardholder data outside scope"),
        ("Retention policy enforcement for logs", "Logs older than 400 days must be deleted, audit logs kept 7 years", "Apply retention rules and report what was deleted"),
        ("HIPAA access audit", "Clinicians' record access must be justified", "Report accesses without an active care relationship"),
        ("AML transaction monitoring alert review", "Structuring pattern detected across linked accounts", "Review the alert and prepare a suspicious activity report"),
        ("Vendor risk assessment", "New analytics vendor will process customer data", "Assess the vendor and record the evidence"),
        ("Policy exception tracking", "Exceptions granted last year were never reviewed", "List open exceptions with owners and expiry dates"),
        ("Right to erasure across backups", "Backups are immutable for 35 days", "Plan erasure and prove it happened when backups expire"),
        ("Regulatory report submission", "Quarterly capital report must match the general ledger", "Generate the report and reconcile it with an audit trail"),
        ("Consent record migration", "Marketing consent stored in two inconsistent systems", "Merge consent records and log every decision"),
        ("Segregation of duties check", "Some users can both create and approve payments", "Detect conflicts and alert the control owners"),
    ],
    "infrastructure_management": [
        ("Kubernetes cluster upgrade", "Cluster runs 140 workloads, some without disruption budgets", "Upgrade the control plane and nodes with a rollback path"),
        ("Database major version upgrade", "Primary serves 3k queries per second", "Upgrade with a tested restore point and minimal downtime"),
        ("Blue-green deployment of the checkout service", "Last deploy caused a 12-minute outage", "Deploy the new version and revert automatically on errors"),
        ("Terraform state drift remediation", "Manual console changes diverged from code", "Reconcile the drift and restore state safely"),
        ("Disk capacity emergency on log servers", "Disks reach 95% within the next 6 hours", "Free space and add capacity without losing logs"),
        ("DNS provider migration", "Zone has 600 records and a 24-hour TTL on some", "Migrate with staged TTL reduction and rollback"),
        ("Autoscaling policy change", "Scale-up lags traffic spikes by 4 minutes", "Tune autoscaling and observe latency"),
        ("Region failover drill", "Failover has not been tested in 9 months", "Run the drill and restore the primary region"),
        ("Load balancer certificate rotation", "Rotation must not drop live connections", "Rotate certificates with connection draining"),
        ("Container base image refresh", "Base image has 12 high-severity CVEs", "Rebuild and redeploy 40 services in waves"),
        ("Backup restore verification", "Restores were never tested end to end", "Restore last night's backup into staging and verify"),
        ("Network ACL tightening", "Overly broad rules allow east-west traffic", "Tighten rules with staged rollout and monitoring"),
    ],
}

EDGE_CASES = [
    {"id": "unicode_payout_ü_001", "category": "financial_operations", "complexity": 0.55,
     "description": "Auszahlung an Lieferant in Zürich – Rückbuchung möglich 💶", "context": "Beträge in CHF; 退款 requests arrive via the partner API",
     "prompt": "Plan the payout and its reversal path"},
    {"id": "long_text_integration_001", "category": "system_integration", "complexity": 0.62,
     "description": "Very long integration brief. " + "The workflow synchronises state between the billing system and the CRM, and each transition must be idempotent. " * 120,
     "context": "Long context from a design document", "prompt": "Summarise the state model"},
    {"id": "extra_fields_security_001", "category": "security_operations", "complexity": 0.3,
     "description": "Monitor audit log ingestion gaps", "owner": "secops", "tags": ["audit", "logging"], "priority": "high",
     "prompt": "Alert when audit logs stop arriving"},
    {"id": 4242, "category": "compliance_management", "complexity": 1,
     "description": "Numeric id and integer complexity are accepted", "prompt": "Prepare evidence for the audit"},
    {"id": "minimal_infra_001", "category": "infrastructure_management", "complexity": 0.0},
]

INVALID_LINES = [
    '{"id": "bad_category_001", "category": "marketing_operations", "complexity": 0.4, "description": "Unknown category"}',
    '{"id": "bad_complexity_001", "category": "financial_operations", "complexity": 1.7}',
    '{"category": "security_operations", "complexity": 0.5, "description": "Missing id"}',
    '{"id": "string_complexity_001", "category": "system_integration", "complexity": "high"}',
    '{"id": "truncated_json_001", "category": "financial_operations", "complexity": 0.5',
    '["not", "an", "object"]',
    '{"id": "customer_refund_001", "category": "financial_operations", "complexity": 0.5, "description": "Duplicate id"}',
]


def realistic_rows(rng: random.Random, count: int | None = None, prefix: str = "") -> list[dict]:
    rows = []
    items = [(cat, *t) for cat, texts in SCENARIOS.items() for t in texts]
    total = count if count is not None else len(items)
    for i in range(total):
        cat, description, context, prompt = items[i % len(items)]
        slug = "_".join(description.lower().split()[:2]).replace("-", "_")
        rows.append({
            "id": f"{prefix}{slug}_{i + 1:03d}" if count is None else f"{prefix}{cat[:4]}_{i:06d}",
            "category": cat,
            "complexity": round(rng.uniform(0.05, 0.95), 2),
            "description": description,
            "context": context,
            "prompt": prompt,
        })
    return rows


def write_sample(path: Path) -> None:
    rng = random.Random(20261123)
    rows = realistic_rows(rng)
    rows[0] = {**rows[0], "id": "customer_refund_001", "complexity": 0.8}
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    lines[10:10] = [""]  # a blank line in the middle is skipped
    lines += [json.dumps(r, ensure_ascii=False) for r in EDGE_CASES]
    lines += ["", *INVALID_LINES]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("data/scenarios/sample.jsonl"))
    parser.add_argument("--count", type=int, default=None, help="write this many valid synthetic scenarios instead of the sample")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.count is None:
        write_sample(args.out)
    else:
        rows = realistic_rows(random.Random(args.seed), args.count)
        args.out.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
