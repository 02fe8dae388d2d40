#!/usr/bin/python3
"""Unit tests of the Python plugin SDK: /usr/bin/python3 -m unittest discover plugins/sdk/python"""

import unittest

import dast_plugin as dp
from dast_plugin import discriminator_pb2 as pb
from dast_plugin.server import _negotiate


class Abort(Exception):
    pass


class FakeContext:
    def abort(self, code, msg):
        raise Abort(msg)


def tiny(o, in_channels):
    return [dp.conv(o["width"], 3, 1, 1).named("a"), dp.relu(), dp.add("a", "input"), dp.conv(1, 1, 1, 0)]


class NormalizeTest(unittest.TestCase):
    def test_table(self):
        ok = [(dp.INT, 3, 3), (dp.INT, 4.0, 4), (dp.FLOAT, 2, 2.0), (dp.BOOL, True, True), (dp.STRING, "x", "x"),
              (dp.INT_LIST, [1, 2.0], [1, 2]), (dp.FLOAT_LIST, (1, 0.5), [1.0, 0.5])]
        for t, v, want in ok:
            self.assertEqual(dp.normalize(t, v), want)
        bad = [(dp.INT, 2.5, "expected int, got 2.5"), (dp.INT, True, "expected int, got bool True"),
               (dp.INT, "3", "expected int, got str 3"), (dp.FLOAT, True, "expected float"),
               (dp.BOOL, 1, "expected bool"), (dp.STRING, None, "expected string, got null"),
               (dp.INT_LIST, [1, "a"], "[1]: expected int"), (dp.FLOAT_LIST, 3, "expected list")]
        for t, v, want in bad:
            with self.assertRaises(ValueError) as cm:
                dp.normalize(t, v)
            self.assertIn(want, str(cm.exception))


class ServicerTest(unittest.TestCase):
    def disc(self, **kw):
        args = dict(name="tiny", build=tiny, options=[dp.Option("width", dp.INT, 4, "channels")])
        args.update(kw)
        return dp.Discriminator(**args)

    def test_schema_checks(self):
        for ds, want in [([], "no discriminators"), ([self.disc(name="")], "empty name"),
                         ([self.disc(), self.disc()], '"tiny" defined twice'),
                         ([self.disc(build=None)], "build is None"),
                         ([self.disc(options=[dp.Option("w", dp.INT, "x")])], 'option "w": default: expected int')]:
            with self.assertRaises(ValueError) as cm:
                dp.Servicer(ds)
            self.assertIn(want, str(cm.exception))

    def test_build(self):
        s = dp.Servicer([self.disc()])
        req = pb.BuildRequest(name="tiny", in_channels=3, options={"width": pb.Value(int=7)})
        resp = s.build(req, FakeContext())
        self.assertEqual([l.type for l in resp.layers], ["conv", "relu", "add", "conv"])
        self.assertEqual(resp.layers[0].out_channels, 7)
        self.assertEqual(list(resp.layers[2].inputs), ["a", "input"])
        with self.assertRaises(Abort) as cm:
            s.build(pb.BuildRequest(name="tiny", options={"width": pb.Value(string="wide")}), FakeContext())
        self.assertIn('option "width": expected int, got str wide', str(cm.exception))

    def test_version1_host_refuses_a_graph(self):
        s = dp.Servicer([self.disc()], version=1)
        with self.assertRaises(Abort) as cm:
            s.build(pb.BuildRequest(name="tiny", in_channels=3), FakeContext())
        self.assertIn('layer 0 (conv "a") needs plugin protocol version 2, but this dast host speaks version 1 only',
                      str(cm.exception))

    def test_negotiate(self):
        self.assertEqual(_negotiate({"PLUGIN_PROTOCOL_VERSIONS": "1,2"}), 2)
        self.assertEqual(_negotiate({"PLUGIN_PROTOCOL_VERSIONS": "1"}), 1)
        self.assertEqual(_negotiate({}), 1)


if __name__ == "__main__":
    unittest.main()
