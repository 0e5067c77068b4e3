"""Munz, Hudea, Imad & Smith? (2009) "When zombies attack!": the chapter's five models as data.

Munz's symbols, per day, mass action (``contact="density"`` on a place of area 1 gives exactly
beta*S*Z): alpha is the rate at which humans *kill* zombies (not Alemi's ratio), beta the bite
rate, zeta resurrection of the dead, delta natural death, births the constant birth rate Pi.
Defaults are the values of the chapter's figures (section 2, the text under Figure 3; section 3
adds rho = 0.005; section 6 uses (alpha, beta, zeta, delta) = (0.0075, 0.0055, 0.09, 0.0001)).
The chapter does not print kappa, sigma, gamma (quarantine) or c (cure): the defaults here are
our choices, stated where they are used. Impulsive eradication is the basic model plus a
schedule of attacks (Delta Z = -k n Z at t = t_n), interventions that the validation case
builds (:func:`hyosan.validation.munz_cases.attacks`): models know nothing of interventions.
"""

from __future__ import annotations

from dataclasses import replace

from hyosan.models.spec import Model, Parameter, Reaction

PAPER = "Munz, Hudea, Imad & Smith? (2009), Infectious Disease Modelling Research Progress"

_BASIC_REACTIONS = (
    Reaction("births", "0 -> S", "births"),
    Reaction("bite", "S + Z -> 2 Z", "beta"),
    Reaction("kill", "S + Z -> S + R", "alpha"),
    Reaction("death", "S -> R", "delta"),
    Reaction("resurrect", "R -> Z", "zeta"),
)
_LATENT_REACTIONS = (
    Reaction("births", "0 -> S", "births"),
    Reaction("bite", "S + Z -> I + Z", "beta"),
    Reaction("turn", "I -> Z", "rho"),
    Reaction("kill", "S + Z -> S + R", "alpha"),
    Reaction("death", "S -> R", "delta"),
    Reaction("death_I", "I -> R", "delta"),
    Reaction("resurrect", "R -> Z", "zeta"),
)


def _parameters(**values: float) -> dict[str, Parameter]:
    meaning = {
        "alpha": ("1/day", "zombies killed per human-zombie pair per day"),
        "beta": ("1/day", "bites per human-zombie pair per day"),
        "zeta": ("1/day", "resurrection rate of the dead (R -> Z)"),
        "delta": ("1/day", "natural (non-zombie) death rate of humans"),
        "births": ("1/day", "humans born per day (Munz's Pi)"),
        "rho": ("1/day", "rate at which the infected turn (1 / latent period)"),
        "kappa": ("1/day", "rate at which the infected are quarantined"),
        "sigma": ("1/day", "rate at which zombies are quarantined"),
        "gamma": ("1/day", "rate at which the quarantined are killed escaping"),
        "c": ("1/day", "cure rate of zombies (back to S, no immunity)"),
        "hop": ("1/day", "zombie hop rate per link (0: the chapter is not spatial)"),
    }
    return {name: Parameter(value, *meaning[name]) for name, value in values.items()}


def basic(
    alpha: float = 0.005,
    beta: float = 0.0095,
    zeta: float = 0.0001,
    delta: float = 0.0001,
    births: float = 0.0,
    hop: float = 0.0,
) -> Model:
    """Section 2: S' = Pi - bSZ - dS, Z' = bSZ + zR - aSZ, R' = dS + aSZ - zR."""
    return Model(
        name="munz-basic",
        compartments=("S", "Z", "R"),
        reactions=_BASIC_REACTIONS,
        parameters=_parameters(
            alpha=alpha, beta=beta, zeta=zeta, delta=delta, births=births, hop=hop
        ),
        time_unit="day",
        contact="density",
        mobility={"Z": "hop"},
        description=f"{PAPER}, section 2: the basic model (SZR with resurrection)",
    )


def latent(
    alpha: float = 0.005,
    beta: float = 0.0095,
    zeta: float = 0.0001,
    delta: float = 0.0001,
    rho: float = 0.005,
    births: float = 0.0,
    hop: float = 0.0,
) -> Model:
    """Section 3: the bitten are infected (I) and turn at rho; they may die naturally first."""
    return Model(
        name="munz-latent",
        compartments=("S", "I", "Z", "R"),
        reactions=_LATENT_REACTIONS,
        parameters=_parameters(
            alpha=alpha, beta=beta, zeta=zeta, delta=delta, rho=rho, births=births, hop=hop
        ),
        time_unit="day",
        contact="density",
        mobility={"Z": "hop"},
        latent=("I",),
        description=f"{PAPER}, section 3: the model with latent infection (SIZR)",
    )


def quarantine(
    alpha: float = 0.005,
    beta: float = 0.0095,
    zeta: float = 0.0001,
    delta: float = 0.0001,
    rho: float = 0.005,
    kappa: float = 0.001,
    sigma: float = 0.001,
    gamma: float = 0.001,
    births: float = 0.0,
    hop: float = 0.0,
) -> Model:
    """Section 4: infected and zombies enter quarantine Q; those escaping are killed (to R).

    kappa, sigma, gamma are not printed in the chapter ("varied to satisfy R0 > 1"); the
    defaults give R0 = beta N rho / ((rho + kappa)(alpha N + sigma)) = 1.58 for N = 500.
    """
    return Model(
        name="munz-quarantine",
        compartments=("S", "I", "Z", "R", "Q"),
        reactions=(
            *_LATENT_REACTIONS,
            Reaction("quarantine_I", "I -> Q", "kappa"),
            Reaction("quarantine_Z", "Z -> Q", "sigma"),
            Reaction("killed_escaping", "Q -> R", "gamma"),
        ),
        parameters=_parameters(
            alpha=alpha,
            beta=beta,
            zeta=zeta,
            delta=delta,
            rho=rho,
            kappa=kappa,
            sigma=sigma,
            gamma=gamma,
            births=births,
            hop=hop,
        ),
        time_unit="day",
        contact="density",
        mobility={"Z": "hop"},
        latent=("I",),
        description=f"{PAPER}, section 4: the model with quarantine (SIZRQ)",
    )


def treatment(
    alpha: float = 0.005,
    beta: float = 0.0095,
    zeta: float = 0.0001,
    delta: float = 0.0001,
    rho: float = 0.005,
    c: float = 0.05,
    births: float = 0.0,
    hop: float = 0.0,
) -> Model:
    """Section 5: a cure returns zombies to S (no immunity); c = 0.05 is our choice.

    With births = delta = 0 the chapter's coexistence equilibrium is
    (S, I, Z, R) = (c/beta, (c/rho) Z, Z, alpha c/(zeta beta) Z).
    """
    return Model(
        name="munz-treatment",
        compartments=("S", "I", "Z", "R"),
        reactions=(*_LATENT_REACTIONS, Reaction("cure", "Z -> S", "c")),
        parameters=_parameters(
            alpha=alpha, beta=beta, zeta=zeta, delta=delta, rho=rho, c=c, births=births, hop=hop
        ),
        time_unit="day",
        contact="density",
        mobility={"Z": "hop"},
        latent=("I",),
        description=f"{PAPER}, section 5: the model with treatment (SIZR + cure)",
    )


def impulsive(
    alpha: float = 0.0075,
    beta: float = 0.0055,
    zeta: float = 0.09,
    delta: float = 0.0001,
    births: float = 0.0,
    hop: float = 0.0,
) -> Model:
    """Section 6: the basic model with the values of Figure 10; add the attacks as Bombs."""
    model = basic(alpha=alpha, beta=beta, zeta=zeta, delta=delta, births=births, hop=hop)
    return replace(
        model,
        name="munz-impulsive",
        description=f"{PAPER}, section 6: impulsive eradication (basic model + attacks)",
    )


MODELS = {
    "munz-basic": basic,
    "munz-latent": latent,
    "munz-quarantine": quarantine,
    "munz-treatment": treatment,
    "munz-impulsive": impulsive,
}
