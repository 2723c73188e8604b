/* latscope's version: --version, the snapshot's "latscope_version", latscope_build_info. */
#ifndef LATSCOPE_VERSION_H
#define LATSCOPE_VERSION_H

#define LATSCOPE_VERSION "0.1.0"

#endif
