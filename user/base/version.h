/* latscope's version: in JSON snapshots and in latscope_build_info. */
#ifndef LATSCOPE_VERSION_H
#define LATSCOPE_VERSION_H

#define LATSCOPE_VERSION "0.1.0"

#endif
