/* latscope's version: --version, the snapshot's "latscope_version". */
#ifndef LATSCOPE_VERSION_H
#define LATSCOPE_VERSION_H

#define LATSCOPE_VERSION "0.1.0"

#endif
