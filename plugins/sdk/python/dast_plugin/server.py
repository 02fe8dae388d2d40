"""The go-plugin side of a dast plugin: handshake, mutual TLS, the gRPC services."""

import base64
import concurrent.futures
import dataclasses
import datetime
import os
import sys
import threading
from typing import Callable, List

import grpc

from . import discriminator_pb2 as pb
from .options import TYPE_NAMES, Option, normalize, value_from_proto, value_to_proto

# PROTOCOL_VERSION is the newest protocol version this SDK speaks; serve() offers 1 and 2.
PROTOCOL_VERSION = 2

# The go-plugin handshake shared with dast (plugins/sdk/sdk.go: Handshake).
MAGIC_COOKIE_KEY = "DAST_DISCRIMINATOR_PLUGIN"
MAGIC_COOKIE_VALUE = "7f3c1d0e-dast-discriminators-v1"
# go-plugin's core protocol version (the first field of the handshake line).
CORE_PROTOCOL_VERSION = 1

NOT_A_PROGRAM = (
    "This binary is a plugin. These are not meant to be executed directly.\n"
    "Please execute the program that consumes these plugins, which will\n"
    "load any plugins automatically\n"
)


@dataclasses.dataclass
class Discriminator:
    """One discriminator of a plugin, registered by dast as discriminator.<plugin>.<name>.

    build(options, in_channels) gets every option (defaults filled in, normalised) as a dict
    and returns the list of Layers; raising an exception fails the build with its message.
    """

    name: str
    build: Callable
    description: str = ""
    options: List[Option] = dataclasses.field(default_factory=list)


class Servicer:
    """The Discriminators service over a list of Discriminators, for protocol version."""

    def __init__(self, discriminators, version=PROTOCOL_VERSION):
        if not 1 <= version <= PROTOCOL_VERSION:
            raise ValueError(f"protocol version {version}: this SDK speaks 1 to {PROTOCOL_VERSION}")
        if not discriminators:
            raise ValueError("no discriminators to serve")
        self.version = version
        self.by_name = {}
        self.desc = pb.DescribeResponse()
        for d in discriminators:
            if not d.name:
                raise ValueError("discriminator with an empty name")
            if d.name in self.by_name:
                raise ValueError(f'discriminator "{d.name}" defined twice')
            if d.build is None:
                raise ValueError(f'discriminator "{d.name}": build is None')
            info = self.desc.discriminators.add(name=d.name, description=d.description)
            for o in d.options:
                if o.type not in TYPE_NAMES:
                    raise ValueError(f'discriminator "{d.name}": option "{o.name}": unknown type {o.type}')
                try:
                    v = value_to_proto(o.type, o.default)
                except ValueError as err:
                    raise ValueError(f'discriminator "{d.name}": option "{o.name}": default: {err}') from None
                info.options.add(name=o.name, type=o.type, default=v, doc=o.doc)
            self.by_name[d.name] = d

    def describe(self, request, context):
        return self.desc

    def build(self, request, context):
        d = self.by_name.get(request.name)
        if d is None:
            context.abort(grpc.StatusCode.UNKNOWN, f'no discriminator "{request.name}"')
        opts = {}
        for o in d.options:
            if o.name not in request.options:
                opts[o.name] = normalize(o.type, o.default)
                continue
            try:
                opts[o.name] = value_from_proto(o.type, request.options[o.name])
            except ValueError as err:
                context.abort(grpc.StatusCode.UNKNOWN, f'option "{o.name}": {err}')
        try:
            layers = d.build(opts, request.in_channels)
        except Exception as err:  # the plugin author's error, reported to dast
            context.abort(grpc.StatusCode.UNKNOWN, str(err))
        if self.version < 2:
            for i, l in enumerate(layers):
                if not l.version1():
                    name = f' "{l.name}"' if l.name else ""
                    context.abort(grpc.StatusCode.UNKNOWN, (
                        f'discriminator "{d.name}": layer {i} ({l.type}{name}) needs plugin protocol version 2, '
                        f"but this dast host speaks version {self.version} only: upgrade dast (version 1 knows "
                        "a sequence of unnamed conv, relu, leaky_relu and tanh layers)"))
        return pb.BuildResponse(layers=[l.to_proto() for l in layers])


def _unary(fn, request_type):
    return grpc.unary_unary_rpc_method_handler(
        fn, request_deserializer=request_type.FromString, response_serializer=lambda m: m.SerializeToString())


def _raw_unary(fn):
    return grpc.unary_unary_rpc_method_handler(fn, request_deserializer=lambda b: b, response_serializer=lambda b: b)


def _health_check(request, context):
    # grpc.health.v1.HealthCheckResponse{status: SERVING}: field 1, varint 1. go-plugin asks
    # for the service "plugin"; every service is serving.
    return b"\x08\x01"


def _broker_stream(request_iterator, context):
    # go-plugin's GRPCBroker: dast's discriminators use no brokered connections; hold the
    # stream open until the host closes it.
    for _ in request_iterator:
        pass
    return iter(())


def _certificate():
    """A self-signed certificate for "localhost" (CA, server and client auth), as go-plugin's
    automatic mutual TLS makes: PEM key, PEM certificate, DER certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "dast plugin")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(seconds=30))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=True,
                                         data_encipherment=False, key_agreement=True, key_cert_sign=True,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption())
    return key_pem, cert.public_bytes(serialization.Encoding.PEM), cert.public_bytes(serialization.Encoding.DER)


def _negotiate(env):
    """The protocol version go-plugin would pick: the newest one the host lists, else 1."""
    offered = []
    for s in env.get("PLUGIN_PROTOCOL_VERSIONS", "").split(","):
        try:
            offered.append(int(s))
        except ValueError:
            pass
    common = [v for v in range(1, PROTOCOL_VERSION + 1) if v in offered]
    return max(common) if common else 1


def serve(*discriminators):
    """Serves the discriminators to dast until it stops the plugin. Run directly (not by dast)
    it prints an explanation and exits with status 1; with an invalid description it prints
    the error and exits with status 2."""
    if os.environ.get(MAGIC_COOKIE_KEY) != MAGIC_COOKIE_VALUE:
        sys.stderr.write(NOT_A_PROGRAM)
        sys.exit(1)
    version = _negotiate(os.environ)
    try:
        servicer = Servicer(list(discriminators), version)
    except ValueError as err:
        sys.stderr.write(f"dast plugin: {err}\n")
        sys.exit(2)

    stop = threading.Event()

    def shutdown(request, context):
        stop.set()
        return b""

    server = grpc.server(concurrent.futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers((
        grpc.method_handlers_generic_handler("dast.plugin.v1.Discriminators", {
            "Describe": _unary(servicer.describe, pb.DescribeRequest),
            "Build": _unary(servicer.build, pb.BuildRequest),
        }),
        grpc.method_handlers_generic_handler("grpc.health.v1.Health", {"Check": _raw_unary(_health_check)}),
        grpc.method_handlers_generic_handler("plugin.GRPCController", {"Shutdown": _raw_unary(shutdown)}),
        grpc.method_handlers_generic_handler("plugin.GRPCBroker", {
            "StartStream": grpc.stream_stream_rpc_method_handler(
                _broker_stream, request_deserializer=lambda b: b, response_serializer=lambda b: b)}),
    ))
    cert_field = ""
    client_cert = os.environ.get("PLUGIN_CLIENT_CERT")
    if client_cert:
        key_pem, cert_pem, cert_der = _certificate()
        creds = grpc.ssl_server_credentials([(key_pem, cert_pem)], root_certificates=client_cert.encode(),
                                            require_client_auth=True)
        port = server.add_secure_port("127.0.0.1:0", creds)
        cert_field = base64.b64encode(cert_der).decode().rstrip("=")
    else:
        port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    sys.stdout.write(f"{CORE_PROTOCOL_VERSION}|{version}|tcp|127.0.0.1:{port}|grpc|{cert_field}\n")
    sys.stdout.flush()
    stop.wait()
    server.stop(grace=0.5).wait()
