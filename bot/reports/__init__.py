"""Reports rendered from plain, display-ready data (no database, no aiogram).

- `bot.reports.model`: the row/report dataclasses and the `Gettext` callable type;
- `bot.reports.xlsx.build_workbook`: the XLSX export (audits, answers, NCs, actions);
- `bot.reports.docx.build_audit_report`: one audit's report as DOCX (ISO 19011 §6.5);
- `bot.reports.charts`: PNG charts for Telegram (imports matplotlib, so it is not
  imported here).

All texts come from the `report.*` locale keys through the `gettext` callable. Rendering
is CPU-bound and synchronous: call it via `asyncio.to_thread` from handlers.
"""
