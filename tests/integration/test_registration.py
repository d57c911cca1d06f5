"""Every scenario class in test_*.py is a ctest test: none is silently left out of the tier."""

import glob
import importlib
import inspect
import os
import re
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


class TheCMakeRegistration(unittest.TestCase):
    def test_lists_every_scenario_class_exactly_once(self):
        with open(os.path.join(HERE, "CMakeLists.txt")) as handle:
            listed = re.findall(r"^\s*(?:btfence_integration_test\()?(test_\w+\.\w+)\)?\s*$",
                                handle.read(), re.MULTILINE)
        defined = []
        for path in sorted(glob.glob(os.path.join(HERE, "test_*.py"))):
            name = os.path.splitext(os.path.basename(path))[0]
            module = importlib.import_module(name)
            defined += ["%s.%s" % (name, cls.__name__)
                        for _, cls in inspect.getmembers(module, inspect.isclass)
                        if issubclass(cls, unittest.TestCase) and cls.__module__ == name and
                        any(m.startswith("test") for m in vars(cls))]
        self.assertEqual(sorted(listed), sorted(set(listed)), "listed twice")
        self.assertEqual(sorted(listed), sorted(defined))


if __name__ == "__main__":
    unittest.main()
