"""The built-in models, each written as data: the show's virus and the classic references."""

from __future__ import annotations

from hyosan.limits import MAX_STAGES
from hyosan.models.spec import Model, Parameter, Reaction


def szr(
    beta: float = 3.6e-3,
    kappa: float = 2.88e-3,
    hop: float = 0.0,
    time_unit: str = "hour",
) -> Model:
    """Alemi et al. (2015) / Munz et al. (2009) basic model: bites make zombies, humans kill them.

    Defaults are Alemi's US model (Table I): beta = 3.6e-3 per person per hour, alpha = 0.8.
    """
    return Model(
        name="szr",
        compartments=("S", "Z", "R"),
        reactions=(
            Reaction("bite", "S + Z -> 2 Z", "beta"),
            Reaction("kill", "S + Z -> S + R", "kappa"),
        ),
        parameters={
            "beta": Parameter(beta, "1/hour", "bite rate per human-zombie pair"),
            "kappa": Parameter(kappa, "1/hour", "kill rate per human-zombie pair"),
            "hop": Parameter(hop, "1/hour", "zombie hop rate per link"),
        },
        time_unit=time_unit,
        contact="density",
        mobility={"Z": "hop"},
        description="S + Z -> 2Z (beta), S + Z -> S + R (kappa); alpha = kappa / beta",
    )


def sizr(
    beta: float = 0.0095,
    alpha: float = 0.005,
    rho: float = 0.005,
    zeta: float = 0.0001,
    delta: float = 0.0001,
    births: float = 0.0,
    hop: float = 0.0,
) -> Model:
    """Munz et al. (2009) latent model: the bitten are infected (I) before they turn.

    Munz's symbols: alpha is the *kill* rate here, delta natural death, zeta resurrection of the
    dead (R -> Z), births Pi; per day, the values of the paper's figures.
    """
    return Model(
        name="sizr",
        compartments=("S", "I", "Z", "R"),
        reactions=(
            Reaction("births", "0 -> S", "births"),
            Reaction("bite", "S + Z -> I + Z", "beta"),
            Reaction("turn", "I -> Z", "rho"),
            Reaction("kill", "S + Z -> S + R", "alpha"),
            Reaction("death_S", "S -> R", "delta"),
            Reaction("death_I", "I -> R", "delta"),
            Reaction("resurrect", "R -> Z", "zeta"),
        ),
        parameters={
            "beta": Parameter(beta, "1/day", "bite rate per human-zombie pair"),
            "alpha": Parameter(alpha, "1/day", "kill rate per human-zombie pair"),
            "rho": Parameter(rho, "1/day", "rate at which the infected turn"),
            "zeta": Parameter(zeta, "1/day", "resurrection rate of the dead"),
            "delta": Parameter(delta, "1/day", "natural death rate"),
            "births": Parameter(births, "1/day", "births per day (Munz's Pi)"),
            "hop": Parameter(hop, "1/day", "zombie hop rate per link"),
        },
        time_unit="day",
        contact="density",
        mobility={"Z": "hop"},
        latent=("I",),
        description="Munz et al. 2009 latent-infection model",
    )


def sir(beta: float = 0.3, gamma: float = 0.1, hop: float = 0.0) -> Model:
    """The Kermack-McKendrick SIR model, frequency-dependent, per day."""
    return Model(
        name="sir",
        compartments=("S", "I", "R"),
        reactions=(
            Reaction("infect", "S + I -> 2 I", "beta"),
            Reaction("recover", "I -> R", "gamma"),
        ),
        parameters={
            "beta": Parameter(beta, "1/day", "transmission rate"),
            "gamma": Parameter(gamma, "1/day", "recovery rate"),
            "hop": Parameter(hop, "1/day", "hop rate per link of everyone alive"),
        },
        time_unit="day",
        contact="frequency",
        mobility={"S": "hop", "I": "hop", "R": "hop"},
        infectious=("I",),
        population=("S", "I", "R"),
        description="S + I -> 2I (beta S I / N), I -> R (gamma)",
    )


def seir(beta: float = 0.3, sigma: float = 0.2, gamma: float = 0.1, hop: float = 0.0) -> Model:
    """SEIR with an exponential latent period, frequency-dependent, per day."""
    return Model(
        name="seir",
        compartments=("S", "E", "I", "R"),
        reactions=(
            Reaction("infect", "S + I -> E + I", "beta"),
            Reaction("progress", "E -> I", "sigma"),
            Reaction("recover", "I -> R", "gamma"),
        ),
        parameters={
            "beta": Parameter(beta, "1/day", "transmission rate"),
            "sigma": Parameter(sigma, "1/day", "rate of becoming infectious"),
            "gamma": Parameter(gamma, "1/day", "recovery rate"),
            "hop": Parameter(hop, "1/day", "hop rate per link of everyone alive"),
        },
        time_unit="day",
        contact="frequency",
        mobility={"S": "hop", "E": "hop", "I": "hop", "R": "hop"},
        infectious=("I",),
        latent=("E",),
        population=("S", "E", "I", "R"),
        description="S + I -> E + I (beta S I / N), E -> I (sigma), I -> R (gamma)",
    )


def jonas(
    beta: float = 120.0,
    kappa: float = 6.0,
    tau: float = 25.0,
    stages: int = 1,
    h: float = 0.003,
    beta_h: float = 0.0,
    mu: float = 0.0,
    decay: float = 0.0,
    cure: float = 0.0,
    zombie_hop: float = 3.0,
    human_hop: float = 0.3,
    noise_bias: float = 0.0,
    zombie_wander: float = 1.0,
    contact: float = 1.0,
    time_unit: str = "hour",
) -> Model:
    """The Jonas virus of *All of Us Are Dead*.

    Frequency-dependent: a zombie among people bites at up to ``beta`` per hour and is destroyed
    at up to ``kappa`` per hour, scaled by the share of humans around it. Turning takes an Erlang
    delay of ``stages`` stages and mean ``tau`` minutes (small ``stages``: from seconds to hours, as
    in the show); a fraction ``h`` of the bitten become hybrids, whom zombies ignore.

    The defaults are calibrated to the show (the story in docs/design.md, checked by
    ``tests/test_hyosan_high.py``): a zombie among people bites two a minute and is destroyed after
    some ten minutes of fighting (beta 120/h, kappa 6/h: about 20 bites each, 5 % of first zombies
    die without biting); turning is exponential (one stage) with mean 25 minutes, so 4 % of the
    bitten turn within a minute and 0.8 % take over two hours (0.08 % over three); 0.3 % become
    hybrids (a handful in a school of a thousand). With these, Hyosan High (``hyosan-high``) is over
    70 % turned or dead two hours after the first bite in the median history, and its barricaded
    rooms survive the day.
    Zombies hop along a link at ``zombie_hop`` times (``zombie_wander`` + ``noise_bias`` x humans
    per unit area beyond it): by default a plain random walk; with ``zombie_wander`` 0 they stand
    still until they hear people next door, as in the show (the ``seoul`` world's choice).
    ``contact`` scales the bite and kill rates (and hybrids' bites) where people meet zombies:
    1 in a school corridor, where the rates above were calibrated; far less in a city, where
    people are indoors, flee and hide (the worlds' city places: ``scenarios.calibration``).
    """
    valid = isinstance(stages, (int, float)) and not isinstance(stages, bool)
    if not (valid and 1 <= stages <= MAX_STAGES and int(stages) == stages):
        from hyosan.errors import ModelError

        raise ModelError(
            f"jonas: stages must be a whole number from 1 to {MAX_STAGES} "
            f"(hyosan.limits.MAX_STAGES), got {stages!r}"
        )
    stage_names = tuple(f"E{j}" for j in range(1, stages + 1))
    reactions = [
        Reaction("bite", "S + Z -> E1 + Z", "beta * contact"),
        Reaction("kill", "S + Z -> S + R", "kappa * contact"),
        Reaction("hybrid_bite", "S + H -> E1 + H", "beta_h * contact"),
    ]
    for j in range(1, stages):
        reactions.append(Reaction(f"progress{j}", f"E{j} -> E{j + 1}", "stages / tau"))
    last = stage_names[-1]
    reactions += [
        Reaction("turn", f"{last} -> Z", "(1 - h) * stages / tau"),
        Reaction("become_hybrid", f"{last} -> H", "h * stages / tau"),
        Reaction("cull_Z", "Z -> R", "mu"),
        Reaction("cull_H", "H -> R", "mu"),
        Reaction("decay", "Z -> R", "decay"),
        Reaction("cure_Z", "Z -> S", "cure"),
    ]
    reactions += [Reaction(f"cure_{e}", f"{e} -> S", "cure") for e in stage_names]
    movers = ("S", *stage_names, "H")
    return Model(
        name="jonas",
        compartments=("S", *stage_names, "Z", "H", "R"),
        reactions=tuple(reactions),
        parameters={
            "beta": Parameter(beta, "1/hour", "bites per hour by a zombie among humans"),
            "kappa": Parameter(kappa, "1/hour", "zombies destroyed per hour by humans around"),
            "tau": Parameter(tau, "minutes", "mean time from bite to turning"),
            "stages": Parameter(float(stages), "", "Erlang stages of the turning delay"),
            "h": Parameter(h, "", "fraction of the bitten who become hybrids"),
            "beta_h": Parameter(beta_h, "1/hour", "bites per hour by a hybrid"),
            "mu": Parameter(mu, "1/hour", "cull rate where soldiers are"),
            "decay": Parameter(decay, "1/hour", "zombies starving or rotting"),
            "cure": Parameter(cure, "1/hour", "cure rate once a cure exists"),
            "zombie_hop": Parameter(zombie_hop, "1/hour", "zombie hop rate per link"),
            "human_hop": Parameter(human_hop, "1/hour", "human hop rate per link"),
            "noise_bias": Parameter(noise_bias, "", "zombie pull toward dense humans (0: random)"),
            "zombie_wander": Parameter(
                zombie_wander, "", "zombie pace where no human is next door (0: stand still)"
            ),
            "contact": Parameter(
                contact, "", "share of a school corridor's bites and kills (city: far less)"
            ),
        },
        time_unit=time_unit,
        contact="frequency",
        population=("S", *stage_names, "Z", "H"),
        mobility={**{c: "human_hop" for c in movers}, "Z": "zombie_hop"},
        attraction={"Z": "noise_bias"},
        wander={"Z": "zombie_wander"},
        attractors=("S",),
        groups={"E": stage_names},
        latent=stage_names,
        description="the zombie virus of All of Us Are Dead",
    )


BUILT_IN = {"szr": szr, "sizr": sizr, "sir": sir, "seir": seir, "jonas": jonas}
