"""Drives a Steward controller's nodes with python-jenkins (Debian's python3-jenkins 1.4.0).

Usage: /usr/bin/python3 test/e2e/python-jenkins-node-calls.py URL USER PASSWORD

It logs in with the password, so every POST also carries the CSRF crumb python-jenkins fetches.
Prints one JSON line per call: {"call": NAME, "ok": true, "value": ...} or
{"call": NAME, "ok": false, "error": "ExceptionClass: text"}. python-jenkins-nodes.test.ts
asserts on them.
"""
import json
import sys

import jenkins

URL, USER, PASSWORD = sys.argv[1:4]
server = jenkins.Jenkins(URL, username=USER, password=PASSWORD, timeout=30)


def emit(name, ok, value=None, error=None):
    line = {'call': name, 'ok': ok}
    if ok:
        line['value'] = value
    else:
        line['error'] = error
    print(json.dumps(line, default=str), flush=True)


def call(name, fn, *args, **kwargs):
    try:
        value = fn(*args, **kwargs)
    except Exception as e:  # noqa: BLE001 - the test reports every failure
        emit(name, False, error='%s: %s' % (type(e).__name__, e))
        return None
    emit(name, True, value)
    return value


def info(name, node):
    """The fields of get_node_info the test looks at."""
    i = server.get_node_info(node)
    return {k: i.get(k) for k in ('_class', 'displayName', 'description', 'numExecutors', 'offline',
                                  'temporarilyOffline', 'offlineCauseReason', 'jnlpAgent', 'idle')} | {
        'labels': sorted(l['name'] for l in i.get('assignedLabels', [])),
        'executors': len(i.get('executors', [])),
    }


call('get_nodes_before', server.get_nodes)
call('node_exists_before', server.node_exists, 'py-inbound')
call('create_node_jnlp', server.create_node, 'py-inbound', numExecutors=3, nodeDescription='made by python-jenkins',
     remoteFS='/var/lib/py', labels='py linux', exclusive=True, launcher=jenkins.LAUNCHER_JNLP)
call('create_node_ssh', server.create_node, 'py-ssh', numExecutors=1, remoteFS='/home/build',
     launcher=jenkins.LAUNCHER_SSH, launcher_params={'host': 'build.example', 'port': '2222', 'credentialsId': 'build-key'})
call('create_node_command', server.create_node, 'py-command', launcher=jenkins.LAUNCHER_COMMAND,
     launcher_params={'command': 'java -jar agent.jar'})
call('create_node_again', server.create_node, 'py-inbound', launcher=jenkins.LAUNCHER_JNLP)
call('node_exists', server.node_exists, 'py-inbound')
call('node_exists_command', server.node_exists, 'py-command')
call('get_nodes', server.get_nodes)
call('get_node_info', info, 'get_node_info', 'py-inbound')
call('get_node_info_ssh', info, 'get_node_info_ssh', 'py-ssh')
call('get_node_config', server.get_node_config, 'py-ssh')
config = server.get_node_config('py-ssh')
call('reconfig_node', server.reconfig_node, 'py-ssh',
     config.replace('<numExecutors>1</numExecutors>', '<numExecutors>5</numExecutors>'))
call('get_node_info_reconfigured', info, 'get_node_info_reconfigured', 'py-ssh')

# The built-in node: taken offline with a message and back.
call('disable_node_built_in', server.disable_node, '(built-in)', 'maintenance window')
call('get_node_info_built_in_disabled', info, 'get_node_info_built_in_disabled', '(built-in)')
call('enable_node_built_in', server.enable_node, '(built-in)')
call('get_node_info_built_in_enabled', info, 'get_node_info_built_in_enabled', '(built-in)')

# An agent that has not connected is offline: disable_node does nothing; enable_node toggles, and
# so, as in Jenkins, takes it offline on purpose; a second enable_node toggles it back.
call('disable_node_agent', server.disable_node, 'py-inbound', 'never mind')
call('get_node_info_agent_after_disable', info, 'get_node_info_agent_after_disable', 'py-inbound')
call('enable_node_agent', server.enable_node, 'py-inbound')
call('get_node_info_agent_after_enable', info, 'get_node_info_agent_after_enable', 'py-inbound')
call('enable_node_agent_again', server.enable_node, 'py-inbound')
call('get_node_info_agent_after_enable_again', info, 'get_node_info_agent_after_enable_again', 'py-inbound')

call('get_running_builds', server.get_running_builds)
call('delete_node', server.delete_node, 'py-inbound')
call('node_exists_after_delete', server.node_exists, 'py-inbound')
call('delete_node_missing', server.delete_node, 'py-inbound')
call('get_nodes_after_delete', server.get_nodes)
