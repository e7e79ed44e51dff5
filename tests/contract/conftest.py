from tests.contract import matrix


def pytest_terminal_summary(terminalreporter) -> None:
    lines = matrix.render()
    if lines:
        terminalreporter.section("consumer-compatibility matrix")
        for line in lines:
            terminalreporter.write_line(line)
