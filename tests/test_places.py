"""Places: builders, validation errors that name the place, link groups."""

import numpy as np
import pytest

from hyosan import Scenario
from hyosan.errors import PlacesError
from hyosan.models import szr
from hyosan.places import building, grid, well_mixed


def test_grid_links_are_four_neighbour():
    places = grid((3, 4), {"S": 1})
    assert places.n_places == 12
    degree = np.bincount(places.link_source, minlength=12)
    assert degree.reshape(3, 4).tolist() == [[2, 3, 3, 2], [3, 4, 4, 3], [2, 3, 3, 2]]
    periodic = grid((3, 4), {"S": 1}, periodic=True)
    assert set(np.bincount(periodic.link_source)) == {4}


def test_negative_count_names_place_and_compartment():
    with pytest.raises(PlacesError, match=r"place '0,1'.*'S'.*negative"):
        grid((2, 2), {"S": np.array([[1, -3], [1, 1]])})


def test_unknown_place_suggests_closest():
    places = building(
        [{"name": "science-lab", "counts": {"S": 10}}, {"name": "library", "counts": {"S": 5}}],
        [("science-lab", "library")],
    )
    with pytest.raises(PlacesError, match=r"unknown place 'science-lb'.*'science-lab'"):
        places.with_outbreak("science-lb", "Z", 1)
    with pytest.raises(PlacesError, match=r"unknown link group 'door'.*'doors'"):
        places.links_in("door")


def test_unknown_compartment_in_counts_is_an_error():
    with pytest.raises(PlacesError, match=r"unknown compartment|no compartment 'X'"):
        Scenario(model=szr(), places=well_mixed({"S": 10, "X": 1})).compile()


def test_outbreak_takes_from_humans():
    places = well_mixed({"S": 100}).with_outbreak("world", "Z", 3)
    assert places.counts["S"][0] == 97 and places.counts["Z"][0] == 3


def test_compiled_csr_matches_links():
    places = grid((5, 5), {"S": 2, "Z": 0, "R": 0}, periodic=True)
    net = Scenario(model=szr(hop=1.0), places=places).compile()
    for i in range(net.n_places):
        dests = sorted(net.link_dest[net.out_ptr[i] : net.out_ptr[i + 1]])
        assert dests == sorted(places.link_dest[places.link_source == i])
        incoming = net.in_link[net.in_ptr[i] : net.in_ptr[i + 1]]
        assert np.all(net.link_dest[incoming] == i)
    assert net.group_rate[0].tolist() == [0.0, 1.0, 0.0]  # only zombies move in szr
