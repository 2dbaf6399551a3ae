"""Fees of a configured service: Studio's fixed `billingSlabs`, and rules of our own beside them.

A rule is `{"taxHead", "type", ...}`; every rule may carry `"when": "<expression>"`:
- `fixed`: `amount`;
- `rate`: the number in form `field` times `rate`, or times the rate its choice in `rateBy.field` picks, from
  `rateBy.rates` ({code: rate}) or from the MDMS master `rateBy.master` (the record whose `code` it is,
  its `rateBy.key`);
- `slab`: the slab of `slabs[{from, to, amount, rate}]` holding the number in `field` (`from` <= x < `to`);
- `penalty` / `rebate`: after / before a date (`after`/`before`: `YYYY-MM-DD` or epoch ms; `monthDay`
  `MM-DD` is that day of the demand's year), `amount` or `percent` of what the other rules came to
  (a rebate is taken off);
- `expression`: arithmetic over the form (`trade.areaSqm * 2`, `max(100, x)`, `a if b > 3 else c`).

Expressions are parsed with `ast` and walked over a short list of node types (numbers, form paths,
+ - * / // %, comparisons, and/or/not, `x if c else y`, min/max/abs/round/ceil/floor); nothing is
evaluated as Python. Money is Decimal, rounded to paise.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from digit.kernel.errors import Invalid

if TYPE_CHECKING:
    from digit.services.studio.definition import CalculatorDef, FieldDef

CENT = Decimal("0.01")
RULE_TYPES = frozenset({"fixed", "rate", "slab", "penalty", "rebate", "expression"})
DATED = frozenset({"penalty", "rebate"})
MAX_EXPRESSION = 500


def _round(value: Any, places: Any = 0) -> Decimal:
    return Decimal(value).quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP)


def _ceil(value: Any) -> Decimal:
    return Decimal(math.ceil(value))


def _floor(value: Any) -> Decimal:
    return Decimal(math.floor(value))


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "min": min,
    "max": max,
    "abs": abs,
    "round": _round,
    "ceil": _ceil,
    "floor": _floor,
}
_BINARY: dict[type[ast.AST], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}
_COMPARE: dict[type[ast.AST], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}


class ExpressionError(ValueError):
    pass


def _path(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_path(node.value)}.{node.attr}"
    raise ExpressionError("only form paths like section.field may be named")


def parse_expression(text: str) -> ast.Expression:
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_EXPRESSION:
        raise ExpressionError(f"an expression is text of 1 to {MAX_EXPRESSION} characters")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        raise ExpressionError(f"does not parse ({error.msg})") from None
    for node in ast.walk(tree):
        allowed = (
            ast.Expression,
            ast.BinOp,
            ast.UnaryOp,
            ast.BoolOp,
            ast.Compare,
            ast.IfExp,
            ast.Call,
            ast.Constant,
            ast.Name,
            ast.Attribute,
            ast.Load,
            ast.USub,
            ast.UAdd,
            ast.Not,
            ast.And,
            ast.Or,
            *_BINARY,
            *_COMPARE,
        )
        if not isinstance(node, allowed):
            raise ExpressionError(f"{type(node).__name__} is not allowed")
        if isinstance(node, ast.Call) and (
            not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS or node.keywords
        ):
            raise ExpressionError("only min, max, abs, round, ceil and floor may be called")
        if isinstance(node, ast.Constant) and not isinstance(node.value, int | float | str | bool):
            raise ExpressionError("constants are numbers, text or true/false")
    return tree


def expression_paths(tree: ast.AST) -> list[str]:
    """Form paths an expression names (function names aside)."""
    if isinstance(tree, ast.Name | ast.Attribute):
        return [_path(tree)]
    found: list[str] = []
    for child in ast.iter_child_nodes(tree):
        if isinstance(tree, ast.Call) and child is tree.func:
            continue
        found.extend(expression_paths(child))
    return found


def value_at(values: Any, path: str) -> Any:
    current = values
    for part in path.split("."):
        if isinstance(current, dict):
            current = current.get(part)
        else:
            return None
    return current


def _number(value: Any) -> Any:
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        return Decimal(str(value))
    return value


def _evaluate(node: ast.AST, values: Any) -> Any:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body, values)
    if isinstance(node, ast.Constant):
        return _number(node.value)
    if isinstance(node, ast.Name | ast.Attribute):
        found = value_at(values, _path(node))
        if found is None:
            raise ExpressionError(f"{_path(node)} has no value")
        return _number(found)
    if isinstance(node, ast.UnaryOp):
        operand = _evaluate(node.operand, values)
        return not operand if isinstance(node.op, ast.Not) else (-operand if isinstance(node.op, ast.USub) else operand)
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_evaluate(node.left, values), _evaluate(node.right, values))
    if isinstance(node, ast.BoolOp):
        results = [_evaluate(v, values) for v in node.values]
        return all(results) if isinstance(node.op, ast.And) else any(results)
    if isinstance(node, ast.Compare):
        left = _evaluate(node.left, values)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = _evaluate(right_node, values)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.IfExp):
        return _evaluate(node.body if _evaluate(node.test, values) else node.orelse, values)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return FUNCTIONS[node.func.id](*[_evaluate(a, values) for a in node.args])
    raise ExpressionError(f"{type(node).__name__} is not allowed")


def evaluate(text: str, values: Any) -> Any:
    """The value of a checked expression over the form's values."""
    try:
        return _evaluate(parse_expression(text), values)
    except (ArithmeticError, InvalidOperation, TypeError) as error:
        raise ExpressionError(str(error) or type(error).__name__) from None


# ----------------------------------------------------------------------------------------------- rules


def masters_of(rules: Sequence[dict[str, Any]]) -> list[str]:
    return [
        str(r["rateBy"]["master"])
        for r in rules
        if isinstance(r, dict) and isinstance(r.get("rateBy"), dict) and r["rateBy"].get("master")
    ]


def _is_number_field(leaves: Mapping[str, FieldDef], path: str) -> bool:
    field = leaves.get(path)
    return field is not None and field.type in ("number", "integer")


def _date_ms(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return int(datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC).timestamp() * 1000)
        except ValueError:
            return None
    return None


def check_rule(rule: Any, *, leaves: Mapping[str, FieldDef], heads: set[str]) -> list[str]:
    """What is wrong with one rule (nothing: it is sound)."""
    if not isinstance(rule, dict):
        return ["a rule is an object"]
    faults = []
    kind = rule.get("type")
    if kind not in RULE_TYPES:
        return [f"type {kind!r} is none of {sorted(RULE_TYPES)}"]
    if rule.get("taxHead") not in heads:
        faults.append(f"taxHead {rule.get('taxHead')} is no tax head of bill.taxHead")
    if kind in ("rate", "slab"):
        field = rule.get("field")
        if not isinstance(field, str) or field not in leaves:
            faults.append(f"field {field} is not a field of the form")
        elif not _is_number_field(leaves, field):
            faults.append(f"field {field} is not a number")
    if kind == "rate":
        by = rule.get("rateBy")
        if by is None and not _is_decimal(rule.get("rate")):
            faults.append("a rate rule needs a numeric rate or rateBy")
        if isinstance(by, dict) and by.get("field") not in leaves:
            faults.append(f"rateBy.field {by.get('field')} is not a field of the form")
        if isinstance(by, dict) and not (isinstance(by.get("rates"), dict) or by.get("master")):
            faults.append("rateBy needs rates {code: rate} or an MDMS master")
    if kind == "slab":
        slabs = rule.get("slabs")
        if not isinstance(slabs, list) or not slabs or not all(isinstance(s, dict) for s in slabs):
            faults.append("a slab rule needs slabs [{from, to, amount}]")
    if kind in DATED:
        when = rule.get("after") if kind == "penalty" else rule.get("before")
        if _date_ms(when) is None and not isinstance(rule.get("monthDay"), str):
            faults.append(f"a {kind} needs {'after' if kind == 'penalty' else 'before'} (YYYY-MM-DD) or monthDay")
        if not (_is_decimal(rule.get("amount")) or _is_decimal(rule.get("percent"))):
            faults.append(f"a {kind} needs amount or percent")
    if kind == "fixed" and not _is_decimal(rule.get("amount")):
        faults.append("a fixed rule needs an amount")
    for key in ("expression", "when"):
        if key not in rule:
            continue
        try:
            tree = parse_expression(rule[key])
        except ExpressionError as error:
            faults.append(f"{key}: {error}")
            continue
        unknown = [p for p in expression_paths(tree) if p not in leaves]
        if unknown:
            faults.append(f"{key} names {', '.join(unknown)}, not fields of the form")
    if kind == "expression" and "expression" not in rule:
        faults.append("an expression rule needs an expression")
    return faults


def _is_decimal(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class Fee:
    tax_head: str
    amount: Decimal


def _money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _rate(rule: dict[str, Any], values: Any, masters: Mapping[str, Sequence[Any]]) -> Decimal:
    by = rule.get("rateBy")
    if not isinstance(by, dict):
        return Decimal(str(rule["rate"]))
    choice = value_at(values, str(by["field"]))
    if isinstance(by.get("rates"), dict) and str(choice) in by["rates"]:
        return Decimal(str(by["rates"][str(choice)]))
    if by.get("master"):
        record = next(
            (r for r in masters.get(str(by["master"]), []) if isinstance(r, dict) and r.get("code") == choice), None
        )
        if record is not None and _is_decimal(record.get(by.get("key", "rate"))):
            return Decimal(str(record[by.get("key", "rate")]))
    if _is_decimal(by.get("default")):
        return Decimal(str(by["default"]))
    raise Invalid("FEE_RATE_NOT_FOUND", f"no rate for {by['field']} = {choice!r}", params=[str(by["field"])])


def _slab(rule: dict[str, Any], number: Decimal) -> Decimal:
    for slab in rule["slabs"]:
        low = Decimal(str(slab.get("from", 0)))
        high = slab.get("to")
        if number >= low and (high is None or number < Decimal(str(high))):
            return Decimal(str(slab.get("amount", 0))) + Decimal(str(slab.get("rate", 0))) * number
    return Decimal(0)


def _is_dated_due(rule: dict[str, Any], now_ms: int) -> bool:
    kind = rule["type"]
    limit = _date_ms(rule.get("after") if kind == "penalty" else rule.get("before"))
    if limit is None and isinstance(rule.get("monthDay"), str):
        year = datetime.fromtimestamp(now_ms / 1000, tz=UTC).year
        limit = _date_ms(f"{year}-{rule['monthDay']}")
    if limit is None:
        return False
    return now_ms > limit + 86_400_000 - 1 if kind == "penalty" else now_ms < limit


def compute(calculator: CalculatorDef, values: Any, *, now_ms: int, masters: Mapping[str, Sequence[Any]]) -> list[Fee]:
    """The fees of one application, one per tax head (zero heads left out)."""
    totals: dict[str, Decimal] = {}
    for slab in calculator.billing_slabs:
        totals[slab.key] = totals.get(slab.key, Decimal(0)) + slab.value
    dated = []
    for rule in calculator.rules:
        try:
            if "when" in rule and not evaluate(rule["when"], values):
                continue
            if rule["type"] in DATED:
                dated.append(rule)
                continue
            amount = _rule_amount(rule, values, masters)
        except ExpressionError as error:
            raise Invalid("FEE_NOT_COMPUTED", f"the fee rule for {rule.get('taxHead')} failed: {error}") from None
        totals[rule["taxHead"]] = totals.get(rule["taxHead"], Decimal(0)) + amount
    base = sum(totals.values(), Decimal(0))
    for rule in dated:
        if not _is_dated_due(rule, now_ms):
            continue
        amount = (
            Decimal(str(rule["amount"])) if "amount" in rule else base * Decimal(str(rule["percent"])) / Decimal(100)
        )
        signed = -abs(amount) if rule["type"] == "rebate" else abs(amount)
        totals[rule["taxHead"]] = totals.get(rule["taxHead"], Decimal(0)) + signed
    return [Fee(head, _money(amount)) for head, amount in totals.items() if _money(amount) != 0]


def _rule_amount(rule: dict[str, Any], values: Any, masters: Mapping[str, Sequence[Any]]) -> Decimal:
    kind = rule["type"]
    if kind == "fixed":
        return Decimal(str(rule["amount"]))
    if kind == "expression":
        result = evaluate(rule["expression"], values)
        if isinstance(result, bool) or not isinstance(result, Decimal | int):
            raise ExpressionError("the expression gave no number")
        return Decimal(result)
    number = value_at(values, str(rule["field"]))
    if not _is_decimal(number):
        return Decimal(0)  # an optional field left empty adds nothing
    if kind == "rate":
        return Decimal(str(number)) * _rate(rule, values, masters)
    return _slab(rule, Decimal(str(number)))
