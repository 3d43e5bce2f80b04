"""A UC deduction's explanation is stored as structured facts and rendered as text on demand: the period's
explanation once (its figures, every item considered with the cap room and the rule that set or stopped its
amount, the totals) and each line's share with the line. The text rendered from the facts is the engine's
own (recovery-rules.md §3: "why this amount?" from the explanation alone), for debts, shares split between
owners, third-party items, ongoing consumption, items stopped and late periods; lines stored by earlier
releases still render from the facts they hold."""

from __future__ import annotations

import json
from datetime import date

from dms.recovery.explanation import (
    render_line_facts,
    render_uc_deduction,
    uc_line_facts,
    uc_line_share,
    uc_period_explanation,
    uc_period_facts,
    uc_step_facts,
)
from dms.recovery.types import DebtRecord, ThirdPartyCategory, ThirdPartyItem, UcPeriodInput, UcPeriodResult
from dms.recovery.uc import calculate_uc_period

MAY = date(2025, 5, 1)


def debt(debt_id: int, balance: int, owner: str, classification: str = "NON_FRAUD", **extra: object) -> DebtRecord:
    on = date(2025, 1, 1)
    return DebtRecord(debt_id, owner, "OVERPAYMENT", classification, balance, on, debt_id, on, **extra)  # type: ignore[arg-type]


def stored(result: UcPeriodResult, late_run_date: str | None = None) -> list[tuple[str, str]]:
    """(the engine's text, the text rendered from the stored facts) of each line taken."""
    period = json.loads(uc_period_explanation(result, "2025-05-31", "2025-06-07", late_run_date))
    return [(result.explain_line(line), render_uc_deduction(period, json.loads(uc_line_share(line))))
            for line in result.lines if line.amount_pence > 0]


def test_uc_explanation_rendered_from_stored_facts_is_the_engines_text() -> None:
    result = calculate_uc_period(UcPeriodInput(
        MAY, date(2025, 5, 31), date(2025, 6, 7), "SINGLE_25_OR_OVER", 80_000,
        third_party=(ThirdPartyItem(ThirdPartyCategory.GAS, amount_pence=2000, ongoing_pence=1500),),
        debts=(debt(1, 100_000, "HMRC", "FRAUD"), debt(2, 100_000, "LA", "FRAUD", la_id="123456"),
               debt(3, 50_000, "DWP")),
    ))
    pairs = stored(result)
    assert len(pairs) >= 4
    for engine_text, rendered in pairs:
        assert rendered == engine_text


def test_uc_explanation_names_every_item_considered_and_what_stopped_it() -> None:
    """recovery-rules.md §3: each deduction's explanation has the standard allowance and its date, the cap
    and room at each step, and every item considered with the rule that set or stopped its amount: here the
    electricity and Council Tax arrears, not taken because the room left could not take them whole, appear in
    the explanation of the debt's line (which took that room)."""
    third = (ThirdPartyItem(ThirdPartyCategory.SERVICE_CHARGES), ThirdPartyItem(ThirdPartyCategory.GAS),
             ThirdPartyItem(ThirdPartyCategory.ELECTRICITY), ThirdPartyItem(ThirdPartyCategory.COUNCIL_TAX))
    result = calculate_uc_period(UcPeriodInput(
        MAY, date(2025, 5, 31), date(2025, 6, 7), "JOINT_25_OR_OVER", 200_000, third_party=third,
        debts=(debt(1, 100_000, "DWP"),)))
    [debt_line] = [line for line in result.lines if line.debt_id == 1]
    period = json.loads(uc_period_explanation(result, "2025-05-31", "2025-06-07", None))
    text = render_uc_deduction(period, json.loads(uc_line_share(debt_line)))
    assert "standard allowance £628.10 (rates from 2025-04-07)" in text
    assert ("Item 10 Electricity arrears (ELECTRICITY_ARREARS): limit £31.45 (the item's maximum, one 5% unit), "
            "cap room £31.31, took £0.00") in text
    assert "Item 11 Council Tax arrears" in text and "taken whole or not at all" in text
    assert text.count("cap room") >= len(result.steps) and "UC payable" in text


def test_uc_explanation_of_a_late_period_says_when_it_was_taken() -> None:
    result = calculate_uc_period(UcPeriodInput(MAY, date(2025, 5, 31), date(2025, 6, 7), "SINGLE_25_OR_OVER",
                                               80_000, debts=(debt(1, 100_000, "DWP"),)))
    [(engine_text, rendered)] = stored(result, late_run_date="2025-06-09")
    assert rendered == ("Taken after its payment date 2025-06-07, on the first run after it that held the period: 2025-06-09 "
                        "(late). "
                        + engine_text)


def test_uc_explanation_stored_by_an_earlier_release_still_renders() -> None:
    """A line stored before periods had their own explanation holds its period's figures and its item's step."""
    result = calculate_uc_period(UcPeriodInput(MAY, date(2025, 5, 31), date(2025, 6, 7), "SINGLE_25_OR_OVER",
                                               80_000, debts=(debt(1, 100_000, "DWP"),)))
    [line] = result.lines
    header = uc_period_facts(result, "2025-05-31", "2025-06-07", None)
    facts = json.loads(uc_line_facts(header, uc_step_facts(result.steps[line.step]), line))
    for key in ("claimant_type", "claimant_type_on"):  # stored before the header named the claimant type
        del facts["period"][key]
    assert render_line_facts(facts) == (
        "£60.02 to debt 1 (DWP), item 19 Normal overpayments. Assessment period starting 2025-05-01: standard "
        "allowance £400.14 (rates from 2025-04-07); 5% unit £20.05 (5% of it rounded up to 5p); overall cap "
        "15% = £60.02; UC before deductions £800.00. Item 19 Normal overpayments (OVERPAYMENT): limit £60.02 (the "
        "item's maximum, 15% of the standard allowance), cap room £60.02, took £60.02, cap room left "
        "£0.00: the item's own maximum set the amount (Annex B). This debt's share: the only debt in this item.")


def test_uc_explanation_header_names_the_claimant_type_stored_with_the_period() -> None:
    """recovery-rules.md §2-3 with docs/events-notes.md (a UC period's claimant type is the one in force on its
    last day): the period's stored figures keep the claimant type that chose the standard allowance, and the
    text rendered from them names it as the engine's does."""
    result = calculate_uc_period(UcPeriodInput(MAY, date(2025, 5, 31), date(2025, 6, 7), "SINGLE_UNDER_25",
                                               80_000, debts=(debt(1, 100_000, "DWP"),)))
    header = json.loads(uc_period_facts(result, "2025-05-31", "2025-06-07", None))
    assert (header["claimant_type"], header["claimant_type_on"]) == ("SINGLE_UNDER_25", "2025-05-31")
    [(engine_text, rendered)] = stored(result)
    assert rendered == engine_text
    assert ("standard allowance £316.98 (rates from 2025-04-07) for claimant type SINGLE_UNDER_25, the type in "
            "force on the period's last day, 2025-05-31; 5% unit") in rendered, rendered


def test_uc_explanation_of_a_reduced_rate_stored_with_its_debt_names_the_debt_who_set_it_and_its_review_date() -> None:
    """A9/2025 §31 (a rate recorded with who, when, why and a review date) and recovery-rules.md §3: the period's
    stored explanation keeps the staff rate that limited what was taken for debts, and the text rendered from it
    names the debt by its reference, who set the rate and its review date, on each debt item it limited and in
    the summary. Without those details it is the engine's own text; a period stored by an earlier release
    (no such rate recorded) keeps its words."""
    result = calculate_uc_period(UcPeriodInput(
        MAY, date(2025, 5, 31), date(2025, 6, 7), "SINGLE_25_OR_OVER", 80_000,
        debts=(DebtRecord(1, "DWP", "UC_ADVANCE_NEW_CLAIM", "NON_FRAUD", 50_000, MAY, 1, MAY),
               debt(2, 50_000, "DWP", reduced_rate_pence=1000))))
    for engine_text, rendered in stored(result):
        assert rendered == engine_text
    assert result.debt_limit is not None
    named = result.debt_limit._replace(ref="OP-2", set_by="j.smith", until=date(2025, 9, 1))
    period = json.loads(uc_period_explanation(result, "2025-05-31", "2025-06-07", None, named))
    text = render_uc_deduction(period, json.loads(uc_line_share(result.lines[0])))
    limit = ("a reduced rate set by staff on debt OP-2 (set by j.smith, review date 2025-09-01) limits what is "
             "taken for debts this period to £10.00")
    assert f"limit £10.00 ({limit}, A9/2025 §31; the item's maximum is £60.02)" in text, text
    assert f"limit £0.00 ({limit}, A9/2025 §31, and the items before took £10.00 of it;" in text, text
    assert text.endswith(f"A{limit[1:]} (A9/2025 §31): £10.00 was taken for debts."), text
    del period["debt_limit"]
    earlier = render_uc_deduction(period, json.loads(uc_line_share(result.lines[0])))
    assert "limit £10.00 (a reduced rate set by staff after an affordability request, A9/2025 §31; the item's " \
           "maximum is £60.02)" in earlier and earlier.endswith("UC payable £790.00."), earlier


def test_uc_explanation_of_a_rate_agreed_per_week_shows_its_conversion_and_a_cleared_debt_is_named() -> None:
    """recovery-rules.md §3 ("why this amount?" from the explanation alone) and docs/recovery-notes.md "Reduced
    (affordable) rates": a rate agreed as £5.00 a week is £5.00 x 52/12 = £21.66 per assessment period,
    rounded down, and the stored explanation says so, as a legacy instalment's gives the other conversion; a
    rate on a debt that has cleared says so and that it stays in force until its review date."""
    result = calculate_uc_period(UcPeriodInput(MAY, date(2025, 5, 31), date(2025, 6, 7), "SINGLE_25_OR_OVER",
                                               80_000, debts=(debt(2, 50_000, "DWP", reduced_rate_pence=2166),)))
    assert result.debt_limit is not None
    named = result.debt_limit._replace(ref="OP-2", set_by="j.smith", until=date(2025, 9, 1), per_week_pence=500)
    period = json.loads(uc_period_explanation(result, "2025-05-31", "2025-06-07", None, named))
    text = render_uc_deduction(period, json.loads(uc_line_share(result.lines[0])))
    assert ("limits what is taken for debts this period to £21.66, agreed as £5.00 a week, converted to £5.00 "
            "x 52/12 = £21.66 per assessment period, rounded down (A9/2025 §31): £21.66 was taken") in text, text
    period = json.loads(uc_period_explanation(result, "2025-05-31", "2025-06-07", None,
                                              named._replace(per_week_pence=None, status="CLEARED")))
    text = render_uc_deduction(period, json.loads(uc_line_share(result.lines[0])))
    assert ("on debt OP-2 (set by j.smith, review date 2025-09-01; the debt has cleared, and the rate stays in "
            "force until its review date) limits") in text, text


def _texts(*debts: DebtRecord, joint: bool = False) -> dict[int, str]:
    result = calculate_uc_period(UcPeriodInput(MAY, date(2025, 5, 31), date(2025, 6, 7), "SINGLE_25_OR_OVER",
                                               80_000, joint=joint, debts=debts))
    pairs = stored(result)
    for engine_text, rendered in pairs:
        assert rendered == engine_text
    return {line.debt_id: text for line, (text, _) in zip(
        [x for x in result.lines if x.amount_pence > 0], pairs, strict=True) if line.debt_id is not None}


def test_uc_explanation_of_an_equal_split_names_only_the_owners_that_shared() -> None:
    """Annex B rule b (A9/2025 §29): item 19 split between HMRC and the LA only (DWP has no debt in it):
    £60.02 / 2 = £30.01 each. The share says so; it does not name DWP."""
    texts = _texts(debt(1, 100_000, "HMRC"), debt(2, 100_000, "LA", la_id="123456"))
    for text in texts.values():
        assert "split equally between HMRC and LA: £60.02 in equal shares of £30.01 and £30.01 (Annex B rule b" \
            in text and "DWP, HMRC and LA" not in text


def test_uc_explanation_of_the_first_debt_in_order_does_not_speak_of_a_debt_clearing() -> None:
    """A9/2025 §28 (spill-over) is for the debt after one that cleared; the first debt in recovery order took
    its amount for being first (item 19, two DWP debts, the older takes the whole £60.02)."""
    older = DebtRecord(1, "DWP", "OVERPAYMENT", "NON_FRAUD", 100_000, date(2024, 1, 1), 1, date(2024, 1, 1))
    texts = _texts(older, debt(2, 100_000, "DWP"))
    assert "the first of the item's debts in recovery order" in texts[1] and "clears" not in texts[1]
    spill = _texts(DebtRecord(1, "DWP", "OVERPAYMENT", "NON_FRAUD", 1_000, date(2024, 1, 1), 1, date(2024, 1, 1)),
                   debt(2, 100_000, "DWP"))
    assert "next in recovery order: it took what the debts before it could not" in spill[2]


def test_uc_explanation_of_a_later_debt_within_an_owners_share_of_a_split() -> None:
    """Rule b between DWP and HMRC; DWP's share (£30.01) to its two debts in order: the second DWP debt took
    what the first (balance £10.00) could not, within DWP's share."""
    first = DebtRecord(1, "DWP", "OVERPAYMENT", "NON_FRAUD", 1_000, date(2024, 1, 1), 1, date(2024, 1, 1))
    texts = _texts(first, debt(2, 100_000, "DWP"), debt(3, 100_000, "HMRC"))
    assert "split equally between DWP and HMRC: £60.02 in equal shares of £30.01 and £30.01 (Annex B rule b" \
        in texts[2]
    assert "within DWP's share: next in recovery order" in texts[2]


def test_uc_explanation_of_an_equal_split_gives_its_figures_when_an_owner_passes_the_rest_on() -> None:
    """Annex B rule b (A9/2025 §29) and recovery-rules.md §1 (an owner that cannot absorb its share passes
    the excess on), §3 ("why this amount?" from the explanation alone): item 19's £60.02 between DWP, HMRC
    and the LA is £20.01, £20.01 and £20.00; HMRC's debt has £8.60 left, so the other £11.41 goes on to DWP
    and the LA in equal shares again, the odd penny to DWP first: DWP £25.72, HMRC £8.60, LA £25.70. Each
    line says so, in pounds."""
    texts = _texts(debt(1, 100_000, "DWP"), debt(2, 860, "HMRC"), debt(3, 100_000, "LA", la_id="123456"))
    figures = ("DWP, HMRC and LA: £60.02 in equal shares of £20.01, £20.01 and £20.00; HMRC's debts could take "
               "only £8.60, so the rest went on to the others, giving DWP £25.72, HMRC £8.60 and LA £25.70")
    for text in texts.values():
        assert figures in text
    assert texts[1].startswith("£25.72 to debt 1 (DWP)") and texts[3].startswith("£25.70 to debt 3 (LA 123456)")


def test_uc_explanation_of_a_social_fund_loan_says_its_agreed_amount_set_its_share() -> None:
    """Annex B item 14 (Social Fund loans at their agreed amount; A9/2025 §28): two loans, agreed £10.00 a
    period each; the first has £5.00 left and clears, the second takes its own agreed £10.00, not what the
    first could not: its line says its agreed amount set its share."""
    first = DebtRecord(1, "DWP", "SOCIAL_FUND_LOAN", "NON_FRAUD", 500, date(2024, 1, 1), 1, date(2024, 1, 1),
                       agreed_amount_pence=1_000)
    second = DebtRecord(2, "DWP", "SOCIAL_FUND_LOAN", "NON_FRAUD", 10_000, date(2024, 2, 1), 2, date(2024, 2, 1),
                        agreed_amount_pence=1_000)
    texts = _texts(first, second)
    assert texts[2].startswith("£10.00 to debt 2 (DWP), item 14")
    assert "its agreed amount £10.00 a period set its share" in texts[2]
    assert "set its share" not in texts[1]


def test_uc_explanation_of_an_item_stopped_by_the_three_item_limit_shows_its_own_limit() -> None:
    """Sch 6 para 3(1)(b), recovery-rules.md §3: an item not taken because three third-party items were
    already taken is shown with the limit it would have had (one 5% unit, £20.05), not £0.00."""
    third = (ThirdPartyItem(ThirdPartyCategory.FLAT_RATE_MAINTENANCE, scheme="2012"),
             ThirdPartyItem(ThirdPartyCategory.GAS), ThirdPartyItem(ThirdPartyCategory.ELECTRICITY),
             ThirdPartyItem(ThirdPartyCategory.COUNCIL_TAX))
    result = calculate_uc_period(UcPeriodInput(
        MAY, date(2025, 5, 31), date(2025, 6, 7), "SINGLE_25_OR_OVER", 80_000, third_party=third))
    text = result.explain_line(result.lines[0])
    assert ("Item 11 Council Tax arrears (COUNCIL_TAX_ARREARS): limit £20.05 (the item's maximum, one 5% unit), "
            "cap room £19.92, took £0.00, cap room left £19.92: not taken: three third-party items already taken") in text
    for engine_text, rendered in stored(result):
        assert rendered == engine_text


def test_uc_explanation_of_a_lower_rate_asked_keeps_it_when_taken_above_the_cap() -> None:
    """Annex B and SI 2025/387: Flat Rate Maintenance asked at £20.05 (under the 1993 scheme's one 5% unit,
    £21.25) is taken first and above the cap; the explanation says both that the rate was asked for and the
    item's maximum, so "why £20.05?" has its answer."""
    result = calculate_uc_period(UcPeriodInput(
        date(2026, 4, 13), date(2026, 5, 12), date(2026, 5, 19), "SINGLE_25_OR_OVER", 80_000,
        third_party=(ThirdPartyItem(ThirdPartyCategory.FLAT_RATE_MAINTENANCE, amount_pence=2005, scheme="1993"),)))
    [line] = result.lines
    assert line.amount_pence == 2005
    text = result.explain_line(line)
    assert ("limit £20.05 (asked for by the third party; the item's maximum is £21.25)" in text
            and "Flat Rate Maintenance taken first, in full and above the overall cap" in text)
    for engine_text, rendered in stored(result):
        assert rendered == engine_text


def test_legacy_explanation_of_a_share_that_cleared_its_debt_says_so() -> None:
    """recovery-rules.md §3-4 ("why this amount?" from the explanation alone) and A9/2025 §28: £13.95 from a
    weekly pay date, £6.05 of it clearing the first debt and the rest going to the next: the £6.05 line says
    it took the whole balance, which cleared the debt."""
    from dms.recovery.legacy import calculate_legacy_instalment
    from dms.recovery.types import LegacyInstalmentInput, PayFrequency

    result = calculate_legacy_instalment(LegacyInstalmentInput(
        pay_date=date(2025, 6, 2), frequency=PayFrequency.WEEKLY, benefit_pence=10_000,
        debts=(debt(1, 605, "DWP"), debt(2, 10_000, "DWP"))))
    assert [a.amount_pence for a in result.allocations] == [605, 790]
    text = result.explain()
    assert "£6.05 to debt 1 (DWP)" in text and "It took all of the debt's balance, £6.05, which cleared it: the " \
        "rest went on to the next debt" in text
    assert text.count("which cleared it") == 1


def test_uc_explanation_of_an_item_stopped_by_the_three_item_limit_shows_its_ongoing_consumption_not_taken() -> None:
    """Sch 6 para 3(1)(b), Annex B, recovery-rules.md §3 ("each item considered with the rule that ... stopped
    it"): electricity's arrears and its £25.00 of ongoing consumption both wait behind three items already
    taken; the explanation names both, so the £25.00 of current fuel asked for and not paid is seen."""
    third = (ThirdPartyItem(ThirdPartyCategory.FLAT_RATE_MAINTENANCE, scheme="2012"),
             ThirdPartyItem(ThirdPartyCategory.SERVICE_CHARGES),
             ThirdPartyItem(ThirdPartyCategory.GAS, ongoing_pence=2200),
             ThirdPartyItem(ThirdPartyCategory.ELECTRICITY, ongoing_pence=2500))
    result = calculate_uc_period(UcPeriodInput(
        MAY, date(2025, 5, 31), date(2025, 6, 7), "SINGLE_25_OR_OVER", 80_000, third_party=third))
    assert sum(1 for line in result.lines if line.item == 10) == 0
    text = result.explain_line(result.lines[0])
    assert "(ELECTRICITY_ARREARS, ongoing consumption): limit £25.00" in text
    assert text.count("not taken: three third-party items already taken") == 2
    for engine_text, rendered in stored(result):
        assert rendered == engine_text


def test_uc_period_totals_say_how_much_was_taken_above_the_cap_while_a_sanction_applies() -> None:
    """Annex B, recovery-rules.md §3: while a sanction or fraud penalty applies, priority items (7-10) are
    taken above the overall cap. The totals say so: £120.08 counted towards a cap of £60.02, £60.06 of it
    (rent £40.01 and gas £20.05) above it, in the period's text and in each line's, engine or stored."""
    result = calculate_uc_period(UcPeriodInput(
        MAY, date(2025, 5, 31), date(2025, 6, 7), "SINGLE_25_OR_OVER", 80_000, sanction_pence=10_000,
        third_party=(ThirdPartyItem(ThirdPartyCategory.RENT_ARREARS), ThirdPartyItem(ThirdPartyCategory.GAS)),
        debts=(DebtRecord(1, "DWP", "UC_ADVANCE_NEW_CLAIM", "NON_FRAUD", 50_000, MAY, 1, MAY),)))
    totals = ("Total deducted £220.08 (£120.08 counted towards the cap of £60.02, of which £60.06 taken above it "
              "while a sanction or fraud penalty applies); UC payable £579.92.")
    assert result.explain().endswith(totals), result.explain()
    for engine_text, rendered in stored(result):
        assert rendered == engine_text and engine_text.endswith(totals)
    within = calculate_uc_period(UcPeriodInput(MAY, date(2025, 5, 31), date(2025, 6, 7), "SINGLE_25_OR_OVER",
                                               80_000, debts=(debt(1, 100_000, "DWP"),)))
    assert within.explain().endswith("Total deducted £60.02 (£60.02 counted towards the cap); UC payable £739.98.")


def test_a_third_party_lines_explanation_names_its_category_as_events_md_does() -> None:
    """events.md §2 ``uc.assessment_period`` ``third_party`` categories (``COUNCIL_TAX_ARREARS``,
    ``GAS_ARREARS`` ...), the line's ``ref``, are the names the explanation gives a third-party item: "£20.05
    to COUNCIL_TAX_ARREARS", and its step "(GAS_ARREARS, ongoing consumption)", never the engine's own codes
    (``COUNCIL_TAX``, ``GAS``), which no spec names. A line stored with the engine's code as its target
    renders the same words."""
    only = calculate_uc_period(UcPeriodInput(MAY, date(2025, 5, 31), date(2025, 6, 7), "SINGLE_25_OR_OVER", 80_000,
                                             third_party=(ThirdPartyItem(ThirdPartyCategory.COUNCIL_TAX),)))
    [line] = only.lines
    council_tax = only.explain_line(line)
    assert council_tax.startswith("£20.05 to COUNCIL_TAX_ARREARS, item 11 Council Tax arrears.")
    assert "Item 11 Council Tax arrears (COUNCIL_TAX_ARREARS): limit £20.05" in council_tax
    facts = json.loads(uc_line_share(line))
    assert facts["target"] == "COUNCIL_TAX"  # the stored facts keep the engine's code; the text names it
    period = json.loads(uc_period_explanation(only, "2025-05-31", "2025-06-07", None))
    assert render_uc_deduction(period, facts) == council_tax

    third = (ThirdPartyItem(ThirdPartyCategory.SERVICE_CHARGES), ThirdPartyItem(ThirdPartyCategory.GAS, ongoing_pence=1500),
             ThirdPartyItem(ThirdPartyCategory.COUNCIL_TAX))
    result = calculate_uc_period(UcPeriodInput(
        MAY, date(2025, 5, 31), date(2025, 6, 7), "JOINT_25_OR_OVER", 200_000, third_party=third))
    texts = {(line.item, str(line.kind)): result.explain_line(line) for line in result.lines}
    service = texts[(7, "THIRD_PARTY")]
    assert service.startswith("£31.45 to OWNER_OCCUPIER_SERVICE_CHARGES, item 7 Owner/occupier service charge "
                              "arrears.")
    assert "Item 9 Gas arrears (GAS_ARREARS, ongoing consumption): limit £15.00" in service
    assert "Item 9 Gas arrears (GAS_ARREARS): limit £31.45" in service
    assert "Item 11 Council Tax arrears (COUNCIL_TAX_ARREARS): limit £31.45" in service
    assert texts[(9, "ONGOING_CONSUMPTION")].startswith("£15.00 to GAS_ARREARS, item 9 Gas arrears.")
    for text in (council_tax, *texts.values()):
        for code in ("COUNCIL_TAX,", "(COUNCIL_TAX)", "(GAS)", "(GAS ongoing)", "(SERVICE_CHARGES)", "to GAS,"):
            assert code not in text
    for engine_text, rendered in stored(result):
        assert rendered == engine_text


def test_partners_hb_debts_shared_equally_split_figures_are_stored_and_rendered_as_the_engines_text() -> None:
    """hb-debt-interface.md §6.4 with recovery-rules.md §3: a partner's line keeps the figures of the split
    between partners in its stored facts (``partners_split``, ``partner``), and the text rendered from them is
    the engine's, with the halves, the shortfall and the result."""
    result = calculate_uc_period(UcPeriodInput(
        MAY, date(2025, 5, 31), date(2025, 6, 7), "JOINT_25_OR_OVER", 120_000, joint=True,
        debts=(debt(1, 50_000, "DWP"), debt(2, 500, "LA", la_id="005920", owner_person=1),
               debt(3, 10_000, "LA", la_id="005920", owner_person=2), debt(4, 50_000, "HMRC"))))
    [partner_line] = [line for line in result.lines if line.debt_id == 3]
    facts = json.loads(uc_line_share(partner_line))
    assert (facts["partners_split"], facts["partner"]) == ([3140, 500, 10_000], 1)
    for engine_text, rendered in stored(result):
        assert rendered == engine_text
    assert "giving the other partner £5.00 and the partner owing this debt £26.40" in \
        render_uc_deduction(json.loads(uc_period_explanation(result, "2025-05-31", "2025-06-07", None)), facts)
