#!/usr/bin/env bash
# `make run`: starts every service of Anxin in DEMO MODE (see Procfile) and says where to find them.
# Demo mode (ANXIN_DEMO=1) is this script's alone: random secrets are generated into var/secrets.env on the
# first start (mode 600, never committed) and reused afterwards, and the demo customers and staff are seeded.
# Without it every service refuses to start on a missing, public or short secret (README, "Security").
# honcho runs the Procfile: one terminal, prefixed logs, and Ctrl-C stops everything together.
set -euo pipefail
cd "$(dirname "$0")/.."
export ANXIN_DEMO=1
# `rules` (shared by both virtual environments) is a top-level package of this checkout.
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
eval "$(.venv/bin/python -m rules.secrets demo)"
.venv/bin/python -m backend.seed >var/seed.log 2>&1 || { cat var/seed.log; exit 1; }
# This month's pension payroll batch (代发, idempotent by its id PENSION-YYYY-MM), so that 李大山 hears at his next
# visit that his pension has arrived; a real bank's social-security payer posts it (python -m backend.jobs).
.venv/bin/python -m backend.jobs payroll --monthly >>var/seed.log 2>&1 || { cat var/seed.log; exit 1; }
cat <<MSG

  安心 Anxin is starting in DEMO MODE (ANXIN_DEMO=1): demo customers, a demo staff login, and random
  secrets kept in var/secrets.env. Not for real customers: a deployment sets its own secrets (README).
  Rasa needs about 15 s to load its model.

  Web chat widget   http://127.0.0.1:8080/
  Kiosk mode        http://127.0.0.1:8080/kiosk        (staff: staff / ${ANXIN_DEMO_STAFF_PASSWORD})
  Phone webhook     http://127.0.0.1:8080/voice/incoming
  Backend API docs  http://127.0.0.1:8000/docs
  Rasa (REST)       http://127.0.0.1:5005/webhooks/rest/webhook

  Demo customers (phone / PIN):
    张桂兰, 72   13800000001 / 135790   (payees 儿子 王小明, 女儿 王小红)
    李大山, 68   13800000002 / 246802   (养老金账户 and 活期; this month's pension arrives at the first start)
    陈阿婆, 80   13800000003 / 112233   (new payee 孙子: transfers are held for staff)

  Terminal chat: make shell (in another terminal).  Stop: Ctrl-C.

MSG
unset ANXIN_DEMO_STAFF_PASSWORD  # the services do not need it; the seed has used it
exec .venv/bin/honcho start -f Procfile
