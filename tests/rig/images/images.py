#!/usr/bin/python3
"""Entry point for build.sh: images.py COMMAND LAYOUT [ARGS]. Standard library only.

  hostile LAYOUT BASE_TAG            tag hostile-* images; print their tags
  multiarch LAYOUT BASE_TAG          tag multiarch (an index); print the tag
  corrupt LAYOUT BASE_TAG BAD_BLOB   tag corrupt, write the evil twin; print the layer digest
  opaque-layer OUT_TAR               write the hand-made top layer of test/layered
  bulk-files DIR SEED FILES BYTES    write FILES files of BYTES pseudo-random bytes under DIR"""

import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import composed  # noqa: E402
import hostile  # noqa: E402
from ocilayout import Layout  # noqa: E402


def write_bulk_files(root, seed, count, size):
    """Incompressible, but the same for the same seed: test/bulk's digests never change."""
    rng = random.Random(seed)
    for i in range(count):
        directory = os.path.join(root, "bulk", "s%d" % seed, "d%02d" % (i % 32))
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, "f%05d" % i), "wb") as f:
            f.write(rng.randbytes(size))


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    command = argv[1]
    if command == "opaque-layer":
        with open(argv[2], "wb") as f:
            f.write(composed.opaque_layer_tar())
        return
    if command == "bulk-files":
        write_bulk_files(argv[2], int(argv[3]), int(argv[4]), int(argv[5]))
        return
    layout = Layout(argv[2])
    if command == "hostile":
        print("\n".join(hostile.build_all(layout, argv[3])))
    elif command == "multiarch":
        print(composed.build_multiarch(layout, argv[3]))
    elif command == "corrupt":
        print(composed.build_corrupt(layout, argv[3], argv[4]))
    else:
        sys.exit("unknown command " + command + "\n" + __doc__)


if __name__ == "__main__":
    main(sys.argv)
