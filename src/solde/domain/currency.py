"""ISO 4217 currencies and the number of decimals (minor-unit exponent) each allows.

The table follows ISO 4217 (list one, active codes), not CLDR's display digits: CLDR shows
IQD or LAK without decimals, but ISO defines 3 and 2 of them, and an amount booked in minor units
must follow the standard that banks and payment files use.
"""

from __future__ import annotations

from solde.domain.errors import InvalidInput

_ZERO = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_THREE = "BHD IQD JOD KWD LYD OMR TND"
_FOUR = "CLF UYW"
_TWO = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP "
    "BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD "
    "FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD "
    "KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD "
    "NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP "
    "SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED "
    "VES WST XCD XCG YER ZAR ZMW ZWG"
)

EXPONENTS: dict[str, int] = {
    **dict.fromkeys(_TWO.split(), 2),
    **dict.fromkeys(_ZERO.split(), 0),
    **dict.fromkeys(_THREE.split(), 3),
    **dict.fromkeys(_FOUR.split(), 4),
}


def is_currency(code: str) -> bool:
    """True when `code` is an active ISO 4217 code written in capitals."""
    return code in EXPONENTS


def exponent(code: str) -> int:
    """Number of decimals the currency allows (EUR 2, JPY 0, KWD 3)."""
    try:
        return EXPONENTS[code]
    except KeyError:
        raise InvalidInput.single(
            "currency", "unknown_currency", f"{code!r} is not an ISO 4217 currency code"
        ) from None


def normalise(code: str, *, field: str = "currency") -> str:
    """Return the currency code in capitals, refusing anything that is not ISO 4217."""
    upper = code.strip().upper()
    if upper not in EXPONENTS:
        raise InvalidInput.single(
            field, "unknown_currency", f"{code!r} is not an ISO 4217 currency code"
        )
    return upper
