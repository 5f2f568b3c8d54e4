"""Data sets for domain adaptation: the embedded default, loaders, toys."""
from ._digits import MNIST_MNISTM_PROTOCOLS, load_mnist_mnistm, load_mnist_usps
from ._moons import make_domain_moons, make_domain_moons_regression
from ._office_caltech import OFFICE_CALTECH_DOMAINS, load_office_caltech

__all__ = ["MNIST_MNISTM_PROTOCOLS", "OFFICE_CALTECH_DOMAINS", "load_mnist_mnistm",
           "load_mnist_usps", "load_office_caltech", "make_domain_moons",
           "make_domain_moons_regression"]
