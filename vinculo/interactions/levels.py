"""Suggest the level of a conversation from its notes (M5), in Spanish and English.

An explainable method, not a model: weighted word lists per level and language, matched
on an accent-free, lower-case copy of the note. Every match adds its weight to its level;
the level with the most weight wins and the reason names the words that gave it.

Rules on top of the word lists:

* Words are stems or phrases: ``entreg*`` matches "entrega", "entregas", "entregado".
  Longer phrases are tried first, so "plan de expansión" counts once, as strategic.
* Negation: a problem word (incident, complaint, delay…) with a negator just before it in
  the same clause ("sin incidencias", "no complaints") is not an operational problem; it
  is a weak sign of a satisfaction review ("the quarter went fine").
* Complaints (exchange.md §4): a complaint or problem being handled is operational, but one
  mentioned together with a sign that the client is now happy ("contento tras la queja",
  "happy again after the complaint", "satisfechos" after a list of incidents) makes it a
  satisfaction conversation: the complaint's words then count for satisfaction.
* Ties are broken by ``PRIORITY``: satisfaction, strategic, operational, personal. The
  deliberate, rarer conversations win over the incidental: notes mention an order or a
  holiday in passing far more often than they mention a plan or a review in passing.
* Nothing matched: operational, with confidence 0.10, and the reason says so. An empty
  note is operational with confidence 0, which callers read as "no suggestion".

The language is detected from stop words (Spanish or English); when they do not decide,
both word lists are tried and the one that finds more evidence wins.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from vinculo.vocab import Level

__all__ = ["PRIORITY", "LevelSuggestion", "suggest_level", "suggest_missing_levels"]

PRIORITY: tuple[Level, ...] = (
    Level.SATISFACTION,
    Level.STRATEGIC,
    Level.OPERATIONAL,
    Level.PERSONAL,
)
DEFAULT_CONFIDENCE = 0.10
# Longer notes are cut here: the level shows in the first pages of any real note, and the
# cap keeps one pasted e-mail thread from costing as much as thousands of notes.
MAX_CHARS = 20_000
LANGUAGES = ("es", "en")
# The labelled notes the accuracy is measured on (benchmarks/level_accuracy.py, the tests).
EVALUATION_DIR = Path(__file__).resolve().parent / "evaluation"


@dataclass(frozen=True, slots=True)
class LevelSuggestion:
    level: Level
    confidence: float
    reason: str
    lang: str


# --- Word lists ------------------------------------------------------------------------
# Each level maps a weight to entries separated by "|". An entry is one or more words of the
# normalised text (lower case, no accents); a trailing "*" on a word matches any ending.
# Tags mark the entries that the negation and complaint rules look at:
#   problem   - a negated mention means "no problem" (weak satisfaction), not an incident
#   complaint - like problem, turns into satisfaction when the client is said to be happy
#   happy     - the client is (again) content; a negated one does not count as happy

_Lexicon = dict[Level | None, dict[float, str]]

_ES: _Lexicon = {
    Level.OPERATIONAL: {
        3: "albaran* | orden de compra | ordenes de compra | numero de pedido | nota de credito"
        "| plazo de entrega | plazos de entrega | fecha de entrega | nota de entrega"
        "| hoja de pedido | parte de trabajo | orden de trabajo | sin stock | rotura de stock"
        "| pedido urgente | recambio* | repuesto*",
        2: "pedid* | factur* | entreg* | envio* | enviad* | expedicion* | palet* | stock"
        "| inventario* | almacen* | transportista* | porte | portes | devolucion* | devolver"
        "| abono* | cobro* | impagad* | pagar | retras* | averia* | reparacion* | reparar"
        "| defect* | rotura* | roto | rota | rotos | rotas | tecnico* | instalacion*"
        "| mantenimiento"
        "| calibracion* | lote* | muestra* | cotizacion* | referencia* | pendiente* | urgente*"
        "| albaranes | tarifa* | precio* | descuento* | material | materiales | suministro*"
        "| logistic* | camion* | mercancia* | bultos | cajas | ticket* | factura | vencid*"
        "| pago | pagos | remesa* | recepcion | produccion | fabricacion | incidencia*"
        "| incidente* | problema* | error* | fallo* | queja* | reclamacion* | reclama*"
        "| se quejan | se queja | quejas",
        1: "oferta* | presupuesto | presupuestos | pedir | contrato* | condiciones | cantidad*"
        "| unidades | plazo* | semana que viene | revisar | confirmar | confirmado | gestion*"
        "| tramit* | seguimiento | operativ* | calidad | servicio tecnico | soporte | manual*"
        "| formacion | arregl* | solucionad* | sesion remota | asistencia remota",
    },
    Level.STRATEGIC: {
        3: "el ano que viene | ano que viene | el proximo ano | proximo ano | el ano proximo"
        "| proximo ejercicio | el ejercicio que viene | a medio plazo | a largo plazo"
        "| largo plazo | medio plazo | plan de expansion | plan estrategico | plan de negocio"
        "| plan director | roadmap | hoja de ruta | nuevos mercados | nuevo mercado"
        "| internacionaliza* | acuerdo marco | proyecto conjunto | proyectos conjuntos"
        "| cuota de mercado | share of wallet | nueva planta | nueva fabrica | plan anual"
        "| presupuesto anual | presupuesto del ano | vision de futuro | los proximos anos"
        "| proximos anos | plan de crecimiento | alianza estrategica | socio estrategico"
        "| plan de negocio | business plan | plan a tres anos | plan a cinco anos"
        "| comite de direccion | prevision* de compra* | volumen anual | volumenes anuales"
        "| proveedor preferente | proveedor unico | proveedor global | proveedor estrategico"
        "| estudio de viabilidad | business case | venta cruzada | vision del sector"
        "| vision del mercado | hacia donde va | todas las sedes | todas las plantas",
        2: "estrategi* | objetivo* | metas | expan* | crecimiento | crecer | internaliz*"
        "| externaliz* | aporten ideas | nuevas ideas | presencia"
        "| inversion* | invertir | alianza* | lanzamiento* | lanzar | nueva linea"
        "| nuevas lineas | nuevo producto | nuevos productos | innovacion* | futuro"
        "| prevision* | forecast | renovacion* | renovar | licitacion* | concurso"
        "| fusion | adquisicion* | reestructura* | digitaliza* | sostenibilidad"
        "| partner* | colaboracion* | ampliar | ampliacion | apertura | abrir | planes"
        "| planificacion | tendencia* | mercado | mercados | potencial | oportunidad*"
        "| capacidad | 2027 | 2028 | 2029 | 2030 | presupuestos anuales",
        1: "plan | proyecto* | propuesta* | direccion | director general | ceo | gerente"
        "| decision* | negociacion* | volumen* | anual | crecen | nuevos clientes | exporta*",
    },
    Level.SATISFACTION: {
        3: "como lo estamos haciendo | como lo hacemos | que tal fue | que tal ha ido"
        "| que tal ha sido | como ha ido | como fue | encuesta de satisfaccion | feedback"
        "| nps | balance del ano | balance anual | balance del trimestre | revision trimestral"
        "| revision anual | business review | qbr | lecciones aprendidas | puntos de mejora"
        "| areas de mejora | area de mejora | aspectos a mejorar | que podemos mejorar"
        "| en que podemos mejorar | nos recomendaria* | recomendarnos | nos recomienda*"
        "| valoracion del servicio | valoran el servicio | valoran mucho | grado de satisfaccion"
        "| nivel de satisfaccion | recuperar la confianza | recuperado la confianza"
        "| vuelve a confiar | vuelven a confiar | como nos ven | relacion con nosotros"
        "| frente a la competencia | comparacion con la competencia | que esperan de nosotros"
        "| lo que esperan | evaluacion de proveedores | ranking de proveedores"
        "| ranking interno | en que fallamos | opinion sincera | repaso del ano",
        2: "satisf* | encuesta* | valoracion* | valoran | valora | opinion* | percepcion*"
        "| expectativa* | agradec* | gracias | felicit* | reconoc* | confianza | critica*"
        "| mejorar | mejora | mejoras | encantad* | balance | evaluacion* | puntuacion*"
        "| cuestionario* | ranking | fallamos | comentarios"
        "| nota | experiencia | fidelidad | fieles | atencion recibida | trato | servicio"
        "| relacion | revision* | retrospectiva* | contento* | contenta*",
        1: "bien | muy bien | genial | perfecto | mal | conformes | conforme | ok | quejoso*"
        "| repas*",
    },
    Level.PERSONAL: {
        3: "vacacion* | hijo | hija | hijos | hijas | boda* | futbol* | cumpleanos | cumple"
        "| esposa | marido | mujer e hijos | bebe* | embaraz* | nieto* | nieta* | golf"
        "| padel | baja por maternidad | baja por paternidad | baja de maternidad"
        "| baja de paternidad | se jubila | jubilacion* | hobby | hobbies | aficion* | real madrid"
        "| barca | atletico | champions | la liga | maraton* | que tal la familia"
        "| fin de semana | finde | semana santa | navidad* | luna de miel | se casa | se caso"
        "| vacas | su mujer | su marido | grupo de rock",
        2: "familia* | pareja | padre | madre | padres | suegr* | hermano* | hermana*"
        "| perro* | gato* | mascota* | playa | montana | esqui* | tenis | ciclismo | bici*"
        "| correr | running | deporte* | partido | musica | concierto* | libro* | pelicula*"
        "| serie* | vino* | receta* | cocina | viaje* | viajar | verano | puente | mudanza"
        "| colegio | universidad | salud | operado | operacion de | rodilla | gripe | enfermo*"
        "| cafe | anecdota* | personal | tiempo libre | casa nueva | piso nuevo"
        "| nacimiento | nacio | cumpleanero | aniversario de boda | la pequena | el pequeno"
        "| la mayor | el mayor | esta malo | esta mala | estado malo | estado mala | amigos"
        "| bolo | banda | grupo de musica",
        1: "comida | cena | comer | cenar | restaurante | charlamos | hablamos de todo | charla*",
    },
    # Neutral phrases: matched so that their words count for nothing.
    None: {0: "orden del dia | por otra parte | de todas formas | en cualquier caso"},
}

_EN: _Lexicon = {
    Level.OPERATIONAL: {
        3: "purchase order* | po number | delivery note* | packing slip* | credit note*"
        "| lead time* | out of stock | spare part* | back order* | backorder* | service ticket*"
        "| work order* | delivery date* | rush order*",
        2: "order | orders | ordered | reorder* | invoic* | billing | deliver* | shipment*"
        "| ship | shipped | shipping | dispatch* | stock | inventory | warehouse* | pallet*"
        "| freight | courier* | carrier* | tracking | refund* | return | returns | returned"
        "| overdue | unpaid | payment* | repair* | breakdown* | defect* | damaged | faulty"
        "| broken | replacement* | install* | maintenance | calibrat* | sample* | batch*"
        "| quote | quotes | quoted | quotation* | pricing | price* | discount* | delay* | late"
        "| ticket* | outage* | bug | bugs | fix | fixed | fixing | supply | supplies"
        "| logistic* | truck* | goods | parcel* | units | invoice | production run*"
        "| incident* | problem* | issue | issues | error* | complaint* | complain*",
        1: "contract* | terms | quantit* | urgent* | escalat* | next week | confirm* | follow up"
        "| support | technician* | onsite | on site | training | documentation | paperwork"
        "| sort | sorted | remote session | eta | backlog",
    },
    Level.STRATEGIC: {
        3: "next year | next fiscal year | coming year | next fy | long term | medium term"
        "| mid term | roadmap* | road map | strategic plan* | business plan* | growth plan*"
        "| expansion plan* | new market* | market share | share of wallet | framework agreement*"
        "| joint project* | joint venture* | multi year | multiyear | three year | five year"
        "| year plan | annual plan* | annual budget* | budget for next | new plant | new site"
        "| next few years | coming years | strategic partner* | preferred supplier"
        "| annual volume* | volume forecast* | expansion into | go to market"
        "| sole supplier | single supplier | global supplier | strategic supplier"
        "| feasibility study | business case | cross sell* | cross selling | view of the market"
        "| view of the industry | industry is heading | market is heading | all sites"
        "| all plants | bring ideas | new ideas",
        2: "strateg* | goal* | objective* | expand* | expansion | growth | grow | growing"
        "| invest* | partnership* | alliance* | launch* | new product* | new line | innovat*"
        "| vision | future | forecast* | renewal* | renew | tender* | rfp | rfq | merger*"
        "| acquisition* | restructur* | digitali* | sustainab* | planning | plans | pipeline"
        "| opportunit* | capacity | scaling | scale up | headcount | budget | budgets"
        "| insourc* | outsourc* | footprint"
        "| 2027 | 2028 | 2029 | 2030 | priorities | initiative*",
        1: "plan | project* | proposal* | board | ceo | director* | decision* | negotiat*"
        "| volume* | annual | new customers | potential | market | markets | export*",
    },
    Level.SATISFACTION: {
        3: "how did we do | how are we doing | how we are doing | how we did | how it went"
        "| how things went | how things are going | how was it | feedback | satisfaction survey"
        "| customer survey | nps | net promoter | business review | qbr | quarterly review"
        "| annual review | year in review | lessons learned | lessons learnt | room for improvement"
        "| areas for improvement | area for improvement | what we could do better | do better"
        "| would recommend us | recommend us | happy again | regained * trust | trust back"
        "| rebuild trust | rebuilt trust | satisfaction score | service review | review of the year"
        "| review of the relationship | relationship review | end of year review"
        "| how we compare | compared with competitors | compare with competitors"
        "| what they expect from us | expect from us | supplier scorecard | supplier rating"
        "| honest opinion | fall short | where we fail | year review",
        2: "satisf* | survey* | happy | pleased | delighted | unhappy | disappointed | thank*"
        "| grateful | prais* | compliment* | apprecia* | trust | expectation* | perception*"
        "| rating* | rated | score | scores | scorecard* | retro | retrospective* | post mortem"
        "| opinion* | questionnaire* | comments"
        "| improve | improvement* | experience | loyal* | content with | impressed"
        "| frustrat* | relationship | service level* | sla | performance | kudos",
        1: "good | great | well | fine | ok | okay | positive | negative | overall | review",
    },
    Level.PERSONAL: {
        3: "vacation* | holiday* | kid | kids | child | children | son | daughter* | wife"
        "| husband | baby | babies | wedding* | married | marry | birthday* | football"
        "| soccer | golf | padel | marathon* | hobby | hobbies | maternity leave"
        "| paternity leave | parental leave | retire* | retiring | grandchild* | grandson*"
        "| granddaughter* | honeymoon | weekend | real madrid | barca | champions league"
        "| small talk | pregnan* | newborn | family | his wife | her husband | rock band"
        "| house move | moving house | xmas",
        2: "families | parents | father | mother | dad | mum | mom | brother* | sister*"
        "| dog | dogs | cat | cats | pet | pets | beach | mountain* | ski | skiing | tennis"
        "| cycling | bike | running | hiking | sport | sports | match | game | music"
        "| concert* | novel | movie* | film | films | series | wine | recipe* | cooking"
        "| travel* | trip | summer | christmas | easter | school | university | college"
        "| graduat* | health | surgery | knee | flu | sick | recovering | moved house"
        "| new house | new flat | personal | free time | coffee | anniversary | youngest"
        "| eldest | ill | band | gig | mates | friends",
        1: "lunch | dinner | restaurant | drinks | beer* | catch up | caught up | chat | chatted",
    },
    None: {0: "in order to | in order | on the other hand | in any case"},
}


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_NEGATORS = _words(
    "sin no ni ningun ninguna ninguno nada tampoco nunca cero jamas "
    "without not never none nor zero nothing cannot didnt dont doesnt isnt wasnt werent "
    "hasnt havent hadnt cant wont wouldnt couldnt arent"
)
# Words that end the reach of a negator ("no, pero hay retraso"; "no issues but a delay").
_CLAUSE_BREAKERS = _words("pero aunque sino but although though however except")
_NEGATION_REACH = 4  # tokens: "no hubo ninguna incidencia", "didn't have any major issues"

_PROBLEM = {
    "es": "incidencia* | incidente* | problema* | queja* | quejas | reclamacion* | reclama*"
    "| retras* | error* | fallo* | averia* | rotura* | defect* | se queja | se quejan",
    "en": "incident* | problem* | issue | issues | complaint* | complain* | delay* | error*"
    "| defect* | breakdown* | bug | bugs | outage* | late",
}
_COMPLAINT = {
    "es": "queja* | quejas | reclamacion* | reclama* | se queja | se quejan",
    "en": "complaint* | complain*",
}
_HAPPY = {
    "es": "satisf* | contento* | contenta* | encantad* | recuperar la confianza"
    "| recuperado la confianza | vuelve a confiar | vuelven a confiar",
    "en": "satisf* | happy | pleased | delighted | happy again | regained * trust | trust back"
    "| rebuild trust | rebuilt trust",
}

_STOP_WORDS = {
    "es": _words(
        "el la los las del de que y en un una por para con se su sus al lo como mas pero "
        "muy ya este esta estos estas hay nos les le porque cuando sobre tambien hasta "
        "donde desde todo todos nada otro otra ha han hemos fue son es esta estan ser "
        "tiene tienen hablamos dice dicen quieren quiere semana ano mes hoy manana ayer "
        "cliente tras sin pero nuestro nuestra"
    ),
    "en": _words(
        "the of and to in is for on with that it was as at be by this we they he she "
        "from are have has will about our their but an or did how what which would "
        "could should been were not all more them his her its who can next said says "
        "wants want week year month today tomorrow yesterday client customer after"
    ),
}


# --- Compilation -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Entry:
    text: str
    level: Level | None
    weight: float
    tags: frozenset[str]
    # Each word is exact ("pedido"), a stem ("pedid*") or any one word ("*").
    words: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Compiled:
    """Entries indexed by their first word, so a token costs a few dictionary look-ups
    whatever the size of the word lists (a single big regex ran at a third of the speed)."""

    exact: dict[str, tuple[_Entry, ...]]
    stems: dict[str, tuple[_Entry, ...]]
    stem_lengths: tuple[int, ...]


def _entries(spec: str) -> list[str]:
    return [item.strip() for item in spec.split("|") if item.strip()]


def _entry_words(text: str) -> tuple[str, ...]:
    # Split like the notes are split, so "follow-up" in a list matches "follow up".
    return tuple(word for chunk in text.split() for word in re.findall(r"\w+\*?|\*", chunk))


def _tagged(lang: str) -> dict[str, set[str]]:
    tags: dict[str, set[str]] = {}
    for tag, table in (("problem", _PROBLEM), ("complaint", _COMPLAINT), ("happy", _HAPPY)):
        for text in _entries(table[lang]):
            tags.setdefault(text, set()).add(tag)
    return tags


@cache
def _compiled(lang: str) -> _Compiled:
    lexicon = _ES if lang == "es" else _EN
    tags = _tagged(lang)
    entries: dict[str, _Entry] = {}
    for level, by_weight in lexicon.items():
        for weight, spec in by_weight.items():
            for text in _entries(spec):
                # The first listing of an entry wins, so a word that sits in two lists by
                # mistake counts once and where it was first put.
                entries.setdefault(
                    text,
                    _Entry(
                        text,
                        level,
                        float(weight),
                        frozenset(tags.get(text, ())),
                        _entry_words(text),
                    ),
                )
    exact: dict[str, list[_Entry]] = {}
    stems: dict[str, list[_Entry]] = {}
    for entry in entries.values():
        first = entry.words[0]
        if first.endswith("*"):
            stems.setdefault(first[:-1], []).append(entry)
        else:
            exact.setdefault(first, []).append(entry)
    return _Compiled(
        {word: tuple(group) for word, group in exact.items()},
        {stem: tuple(group) for stem, group in stems.items()},
        tuple(sorted({len(stem) for stem in stems}, reverse=True)),
    )


# --- Normalisation and language ----------------------------------------------------------

# Read as spaces: "we'll" must not become "well", nor "client's" hide "client".
_APOSTROPHES = frozenset("'`\u2019\u00b4")


_CONTRACTION = re.compile(r"[nN]['\u2019][tT]\b")


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch in _APOSTROPHES:
        return " "
    decomposed = unicodedata.normalize("NFKD", ch.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _normalise(text: str) -> tuple[str, list[int] | None]:
    """The note lower-cased without accents and, when lengths differ, for each of its
    characters the index of the original one (to quote the note's own words in reasons);
    ``None`` means position for position."""
    # "didn't" -> "didnt ", same length, so that the negator is one word.
    text = _CONTRACTION.sub("nt ", text)
    if text.isascii():
        return text.lower().replace("'", " ").replace("`", " "), None
    folded = "".join(map(_fold_char, text))
    if len(folded) == len(text):
        return folded, None
    origin: list[int] = []
    for index, ch in enumerate(text):
        origin.extend([index] * len(_fold_char(ch)))
    return folded, origin


_TOKEN = re.compile(r"\w+")
_CLAUSE_END = re.compile(r"[.;:!?¿¡()]")


def _detect(tokens: list[str], original: str) -> str | None:
    es = sum(1 for t in tokens if t in _STOP_WORDS["es"])
    en = sum(1 for t in tokens if t in _STOP_WORDS["en"])
    if any(ch in original for ch in "ñÑ¿¡áéíóúÁÉÍÓÚ"):
        es += 2
    if es == en:
        return None
    return "es" if es > en else "en"


# --- Scoring -----------------------------------------------------------------------------


@dataclass(slots=True)
class _Hit:
    quote: str
    level: Level
    weight: float
    note: str = ""


_Token = tuple[str, int, int]  # word, start, end in the folded text


def _word_matches(pattern: str, word: str) -> bool:
    if pattern == "*":
        return True
    if pattern.endswith("*"):
        return word.startswith(pattern[:-1])
    return word == pattern


def _joined(folded: str, left: _Token, right: _Token) -> bool:
    # Words of a phrase may be apart by spaces or hyphens, not by punctuation.
    return not folded[left[2] : right[1]].strip(" \t-")


@lru_cache(maxsize=65536)
def _candidates(lang: str, word: str) -> tuple[_Entry, ...]:
    """The entries whose first word matches ``word``; cached, as notes share most words."""
    compiled = _compiled(lang)
    found = list(compiled.exact.get(word, ()))
    for length in compiled.stem_lengths:
        if length <= len(word):
            found.extend(compiled.stems.get(word[:length], ()))
    return tuple(found)


def _match_at(lang: str, tokens: list[_Token], i: int, folded: str) -> _Entry | None:
    candidates = _candidates(lang, tokens[i][0])
    if not candidates:
        return None
    best: _Entry | None = None
    for entry in candidates:
        n = len(entry.words)
        if i + n > len(tokens):
            continue
        if best is not None and (n, len(entry.text)) <= (len(best.words), len(best.text)):
            continue
        if all(
            _word_matches(entry.words[k], tokens[i + k][0])
            and _joined(folded, tokens[i + k - 1], tokens[i + k])
            for k in range(1, n)
        ):
            best = entry
    return best


def _negated(folded: str, tokens: list[_Token], i: int) -> bool:
    for k in range(i - 1, max(-1, i - 1 - _NEGATION_REACH), -1):
        if _CLAUSE_END.search(folded, tokens[k][2], tokens[k + 1][1]):
            return False
        word = tokens[k][0]
        if word in _CLAUSE_BREAKERS:
            return False
        if word in _NEGATORS:
            return True
    return False


def _score(
    text: str, folded: str, origin: list[int] | None, tokens: list[_Token], lang: str
) -> list[_Hit]:
    hits: list[_Hit] = []
    troubles: list[_Hit] = []
    happy = False
    i = 0
    while i < len(tokens):
        entry = _match_at(lang, tokens, i, folded)
        if entry is None:
            i += 1
            continue
        first, last = i, i + len(entry.words) - 1
        i = last + 1
        if entry.level is None:
            continue
        start, end = tokens[first][1], tokens[last][2]
        if origin is not None:
            start, end = origin[start], origin[end - 1] + 1
        quote = " ".join(text[start:end].split())
        negated = _negated(folded, tokens, first)
        if negated and "problem" in entry.tags:
            hits.append(_Hit(quote, Level.SATISFACTION, 1.0, note="negated"))
            continue
        hit = _Hit(quote, entry.level, entry.weight)
        if entry.tags & {"complaint", "problem"}:
            troubles.append(hit)
        if "happy" in entry.tags and not negated:
            happy = True
        hits.append(hit)
    if troubles and happy:
        for hit in troubles:
            hit.level = Level.SATISFACTION
            hit.note = "after_complaint"
    return hits


def _totals(hits: Iterable[_Hit]) -> dict[Level, float]:
    totals = dict.fromkeys(PRIORITY, 0.0)
    for hit in hits:
        totals[hit.level] += hit.weight
    return totals


def _confidence(totals: dict[Level, float], winner: Level) -> float:
    top = totals[winner]
    share = top / sum(totals.values())
    # More evidence, more confidence: one weak word gives ~0.3, a phrase and two words ~0.9.
    strength = 1.0 - math.exp(-top / 3.0)
    return round(min(0.99, share * strength), 2)


def _texts() -> dict[str, str]:
    return _texts_in(get_language() or "")


@lru_cache(maxsize=16)
def _texts_in(language: str) -> dict[str, str]:
    # Translated once per interface language: gettext costs more than scoring a note.
    return {
        "empty": _("empty note"),
        "nothing": _("no level words found; operational by default"),
        "negated": _("“%(words)s” (negated)"),
        "matched": _("%(level)s %(total)g: %(words)s"),
        "after_complaint": _("rule: the client is happy after a complaint or problem"),
        "against": _("against %(others)s"),
        "tie": _("tie broken by priority (satisfaction, strategic, operational, personal)"),
    }


def _quote_list(hits: list[_Hit], texts: dict[str, str], limit: int = 4) -> str:
    seen: dict[str, _Hit] = {}
    for hit in sorted(hits, key=lambda h: -h.weight):
        seen.setdefault(hit.quote.lower(), hit)
    shown = list(seen.values())[:limit]
    parts = []
    for hit in shown:
        if hit.note == "negated":
            parts.append(texts["negated"] % {"words": hit.quote})
        else:
            parts.append(f"“{hit.quote}” +{hit.weight:g}")
    if len(seen) > limit:
        parts.append("…")
    return ", ".join(parts)


def _of(hits: list[_Hit], level: Level) -> list[_Hit]:
    return [hit for hit in hits if hit.level == level]


def _reason(hits: list[_Hit], totals: dict[Level, float], winner: Level, tied: bool) -> str:
    texts = _texts()
    mine = _of(hits, winner)
    reason = texts["matched"] % {
        "level": winner.value,
        "total": totals[winner],
        "words": _quote_list(mine, texts),
    }
    if any(h.note == "after_complaint" for h in mine):
        reason += "; " + texts["after_complaint"]
    runners = sorted(
        (level for level in PRIORITY if level != winner and totals[level] > 0),
        key=lambda level: -totals[level],
    )
    if runners:
        others = ", ".join(
            f"{level.value} {totals[level]:g} ({_quote_list(_of(hits, level), texts, 2)})"
            for level in runners
        )
        reason += "; " + texts["against"] % {"others": others}
    if tied:
        reason += "; " + texts["tie"]
    return reason


def suggest_level(text: str, *, lang: str = "auto") -> LevelSuggestion:
    """Suggest the level of one conversation from its notes; pure and fast."""
    text = (text or "")[:MAX_CHARS]
    folded, origin = _normalise(text)
    tokens = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(folded)]
    if not tokens:
        return LevelSuggestion(Level.OPERATIONAL, 0.0, _texts()["empty"], "")
    detected = lang if lang in LANGUAGES else _detect([t[0] for t in tokens], text)
    if detected is None:
        # Stop words do not decide (a short note, a list of words): try both word lists.
        candidates = {code: _score(text, folded, origin, tokens, code) for code in LANGUAGES}
        detected = max(LANGUAGES, key=lambda code: sum(h.weight for h in candidates[code]))
        hits = candidates[detected]
    else:
        hits = _score(text, folded, origin, tokens, detected)
    totals = _totals(hits)
    best = max(totals.values())
    if best <= 0:
        return LevelSuggestion(
            Level.OPERATIONAL,
            DEFAULT_CONFIDENCE,
            _texts()["nothing"],
            detected,
        )
    leaders = [level for level in PRIORITY if totals[level] == best]
    winner = leaders[0]
    return LevelSuggestion(
        winner,
        _confidence(totals, winner),
        _reason(hits, totals, winner, tied=len(leaders) > 1),
        detected,
    )


# --- Bulk --------------------------------------------------------------------------------

BATCH = 1000


def suggest_missing_levels(queryset: QuerySet[Any]) -> int:
    """Suggest a level for every interaction in ``queryset`` that has none.

    Only rows with ``level == ""`` are touched, so a level a user chose is never replaced;
    the rows written are marked ``level_suggested``. A row with no words in its summary
    gets no suggestion (there is nothing to explain it with) and stays without a level.
    Reads and writes in batches; returns the number of rows given a level.
    """
    # Filtering the writes on level="" too: a level a user sets meanwhile is kept.
    writer = queryset.model._default_manager.filter(level="")
    pending = (
        queryset.filter(level="")
        .exclude(summary="")
        .only("pk", "summary", "level", "level_suggested")
        .order_by("pk")
    )
    updated = 0
    batch: list[Any] = []
    for row in pending.iterator(chunk_size=BATCH):
        suggestion = suggest_level(row.summary)
        if suggestion.confidence <= 0:
            continue
        row.level = suggestion.level.value
        row.level_suggested = True
        batch.append(row)
        if len(batch) >= BATCH:
            updated += writer.bulk_update(batch, ["level", "level_suggested"])
            batch = []
    if batch:
        updated += writer.bulk_update(batch, ["level", "level_suggested"])
    return updated
