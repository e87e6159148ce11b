"""``barenet serve``: its arguments, its errors as one line, and the server it starts."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import urllib.request

import pytest

from barenet import web
from barenet.cli.main import main
from barenet.web import server as web_server


@pytest.fixture()
def started(monkeypatch) -> list:
    """Run ``barenet serve`` without blocking: capture the server instead of serving forever."""
    servers: list = []

    def fake_loop(server):
        servers.append(server)
        server.server_close()

    monkeypatch.setattr(web_server, "serve_until_interrupted", fake_loop)
    return servers


def test_serve_defaults_to_the_shipped_model_on_loopback(started, capsys):
    assert main(["serve", "--port", "0", "--quiet"]) == 0
    (server,) = started
    assert server.server_address[0] == "127.0.0.1"
    assert server.predictor.name == web.DEFAULT_MODEL.name
    out = capsys.readouterr().out
    assert f"Serving letters.barenet on {server.url}" in out


def test_serve_takes_a_model_path(started, tmp_path):
    path = tmp_path / "copy.barenet"
    path.write_bytes(web.DEFAULT_MODEL.read_bytes())
    assert main(["serve", str(path), "--port", "0", "--host", "127.0.0.1"]) == 0
    assert started[0].predictor.name == "copy.barenet"
    assert started[0].log is not None  # one line per request unless --quiet


def test_serve_errors_are_one_line(capsys):
    assert main(["serve", "no/such/model.barenet", "--port", "0"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("barenet serve: error:") and "no/such/model.barenet" in err and "\n" not in err
    with pytest.raises(SystemExit) as info:  # argparse checks the port (commands._common.port)
        main(["serve", "--port", "70000"])
    err = capsys.readouterr().err.strip()
    assert info.value.code == 2 and "argument --port" in err and "0 to 65535" in err and "\n" not in err


def test_a_model_that_is_not_a_letters_model_is_refused(tmp_path, capsys):
    import barenet as bn

    model = bn.Sequential([bn.Flatten(), bn.Dense(12, 2)], seed=0)
    path = tmp_path / "rgb.barenet"
    bn.save(model, path, record={"classes": ["a", "b"], "input_shape": [3, 2, 2]})
    assert main(["serve", str(path), "--port", "0"]) == 1
    assert "one-channel" in capsys.readouterr().err


def test_serve_is_listed_in_help(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "serve" in capsys.readouterr().out


def test_the_started_server_answers():
    """The real ``serve_until_interrupted`` loop, stopped from outside as Ctrl-C would."""
    server = web_server.make_server(str(web.DEFAULT_MODEL), "127.0.0.1", 0)
    thread = threading.Thread(target=web_server.serve_until_interrupted, args=(server,), daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(server.url + "api/model", timeout=10) as resp:
            assert resp.status == 200 and json.load(resp)["classes"][0] == "A"
    finally:
        server.shutdown()
        thread.join(timeout=10)
    assert not thread.is_alive() and server.socket.fileno() == -1  # closed after serving


@pytest.mark.parametrize("module", ["PIL.Image", "starlette", "uvicorn", "threadpoolctl"])
def test_without_a_web_package_serve_says_which_extra_to_install(module, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, module, None)  # import fails as if the package were missing
    assert main(["serve", "--port", "0"]) == 1
    err = capsys.readouterr().err
    assert "pip install 'barenet[web]'" in err and repr(module.split(".")[0]) in err


def test_the_web_adapter_is_imported_only_when_serving():
    code = ("import sys, barenet, barenet.cli.main; barenet.cli.main.command_modules(); "
            "print([m for m in ('barenet.web', 'starlette', 'uvicorn', 'PIL') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_model_of_feature_vectors_and_a_taken_port_are_named(tmp_path, capsys):
    import socket

    import barenet as bn

    path = tmp_path / "vectors.barenet"
    bn.save(bn.Sequential([bn.Dense(4, 2)], seed=0), path, record={"classes": ["a", "b"], "input_shape": [4]})
    assert main(["serve", str(path), "--port", "0"]) == 1
    err = capsys.readouterr().err.strip()
    assert "shape (1, H, W)" in err and "(4,)" in err and "\n" not in err  # was: not enough values to unpack
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 1
    err = capsys.readouterr().err.strip()
    assert f"cannot listen on '127.0.0.1' port {port}" in err and "\n" not in err


@pytest.mark.parametrize("host", ["", " "])
def test_an_empty_host_is_refused_not_read_as_every_interface(host, capsys):
    with pytest.raises(SystemExit) as info:
        main(["serve", "--port", "0", "--host", host])
    err = capsys.readouterr().err
    assert info.value.code == 2 and err.count("\n") == 1
    assert "argument --host" in err and "every interface" in err and "0.0.0.0" in err
    with pytest.raises(ValueError, match="empty host would listen on every interface"):
        web_server.make_server(str(web.DEFAULT_MODEL), host, 0)


def test_every_interface_is_served_only_when_asked_and_with_a_warning(started, capsys):
    assert main(["serve", "--port", "0", "--quiet", "--host", "0.0.0.0"]) == 0
    assert started[0].server_address[0] == "0.0.0.0"
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "warning" in err and "other machines can reach the page" in err
    assert main(["serve", "--port", "0", "--quiet", "--host", "localhost"]) == 0
    assert capsys.readouterr().err == ""  # loopback: no warning
    assert [web_server.only_this_machine(h) for h in ("127.0.0.1", "127.1.2.3", "::1", "[::1]", "LOCALHOST",
                                                      "0.0.0.0", "::", "192.168.1.5", "example.org")] == \
        [True] * 5 + [False] * 4
