#!/usr/bin/env bash
# Starts every service of Anxin on the embedded defaults (see Procfile) and says where to find them.
# honcho runs the Procfile: one terminal, prefixed logs, and Ctrl-C stops everything together.
set -euo pipefail
cd "$(dirname "$0")/.."
cat <<'MSG'

  安心 Anxin is starting (Rasa needs about 15 s to load its model).

  Web chat widget   http://127.0.0.1:8080/
  Kiosk mode        http://127.0.0.1:8080/kiosk        (staff: staff / anxin-staff)
  Phone webhook     http://127.0.0.1:8080/voice/incoming
  Backend API docs  http://127.0.0.1:8000/docs
  Rasa (REST)       http://127.0.0.1:5005/webhooks/rest/webhook

  Demo customers (phone / PIN):
    张桂兰, 72   13800000001 / 135790   (payees 儿子 王小明, 女儿 王小红)
    李大山, 68   13800000002 / 246802   (养老金账户 and 活期)
    陈阿婆, 80   13800000003 / 112233   (new payee 孙子: transfers are held for staff)

  Terminal chat: make shell (in another terminal).  Stop: Ctrl-C.

MSG
exec .venv/bin/honcho start -f Procfile
