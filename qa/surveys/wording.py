"""What a survey says besides its questions (which are data), in the languages of our
lines, and how a spoken or texted answer is read as a score."""

from __future__ import annotations

import re
from collections.abc import Mapping

# Each phrase by language prefix; English when the line's language has none.
PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "scale": "Please press or say a number from 1 to 5.",
        "not_heard": "Sorry, we did not hear you.",
        "thanks": "Thank you for your feedback. Goodbye.",
        "sms_help": "Please reply with one number from 1 (very unhappy) to 5 (very happy).",
        "sms_thanks": "Thank you, we have your answer.",
        "sms_already": "Thank you, we already have your answer for this call.",
        "sms_late": "Sorry, this survey has closed. Thank you all the same.",
    },
    "es": {
        "scale": "Por favor, marque o diga un número del 1 al 5.",
        "not_heard": "Lo sentimos, no le hemos oído.",
        "thanks": "Gracias por su opinión. Adiós.",
        "sms_help": "Responda con un número del 1 (muy insatisfecho) al 5 (muy satisfecho).",
        "sms_thanks": "Gracias, hemos recibido su respuesta.",
        "sms_already": "Gracias, ya tenemos su respuesta para esta llamada.",
        "sms_late": "Lo sentimos, esta encuesta ya está cerrada. Gracias igualmente.",
    },
    "fr": {
        "scale": "Veuillez taper ou dire un chiffre de 1 à 5.",
        "not_heard": "Désolé, nous ne vous avons pas entendu.",
        "thanks": "Merci de votre avis. Au revoir.",
        "sms_help": "Répondez par un chiffre de 1 (très mécontent) à 5 (très satisfait).",
        "sms_thanks": "Merci, nous avons votre réponse.",
        "sms_already": "Merci, nous avons déjà votre réponse pour cet appel.",
        "sms_late": "Désolé, ce questionnaire est clos. Merci tout de même.",
    },
}

# Scores said or texted as words, in the same languages.
_NUMBER_WORDS = {
    **dict.fromkeys(("one", "uno", "un", "une"), 1),
    **dict.fromkeys(("two", "dos", "deux"), 2),
    **dict.fromkeys(("three", "tres", "trois"), 3),
    **dict.fromkeys(("four", "cuatro", "quatre"), 4),
    **dict.fromkeys(("five", "cinco", "cinq"), 5),
}
_WORD = re.compile(r"[0-9]+|[^\W\d_]+")


def phrase(key: str, language: str) -> str:
    return PHRASES.get(language.split("-")[0].lower(), PHRASES["en"])[key]


def worded(wording: Mapping[str, str], language: str) -> str:
    """The wording in `language`, else in one of its family (es-MX for es-US), else the
    first one given: a caller always hears the question."""
    if language in wording:
        return wording[language]
    family = language.split("-")[0]
    for other, text in wording.items():
        if other.split("-")[0] == family:
            return text
    return next(iter(wording.values()), "")


def score_in(text: str) -> int | None:
    """The 1-5 score a reply gives, when it gives exactly one number and it is on the
    scale ("4", "five", "4!"); None for anything else ("great", "10", "4 or 5")."""
    words = _WORD.findall(text.lower())
    numbers = [int(w) if w.isdigit() else _NUMBER_WORDS[w] for w in words if _is_number(w)]
    if len(numbers) != 1 or len(words) > 4:
        return None
    return numbers[0] if 1 <= numbers[0] <= 5 else None


def looks_like_a_score(text: str) -> bool:
    """A reply that tries to answer (a number, on the scale or not): late ones get told."""
    return any(_is_number(w) for w in _WORD.findall(text.lower()))


def _is_number(word: str) -> bool:
    return word.isdigit() or word in _NUMBER_WORDS
