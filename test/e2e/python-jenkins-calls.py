"""Drives a Steward controller with python-jenkins (Debian's python3-jenkins 1.4.0).

Usage: /usr/bin/python3 test/e2e/python-jenkins-calls.py URL USER PASSWORD

It logs in with the password, as most scripts do, so every POST also needs the CSRF crumb
that python-jenkins fetches from /crumbIssuer/api/json.

Prints one JSON line per call: {"call": NAME, "ok": true, "value": ...} or
{"call": NAME, "ok": false, "error": "ExceptionClass: text"}. The TypeScript test
(python-jenkins.test.ts) asserts on them.
"""
import json
import os
import sys
import time

import jenkins
import requests

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


def poll(what, fn, done, timeout=60):
    """Calls fn until done(value); emits the last value (or the error)."""
    deadline = time.time() + timeout
    while True:
        try:
            value = fn()
            if done(value) or time.time() > deadline:
                emit(what, done(value), value, None if done(value) else 'timed out; last value %s' % json.dumps(value, default=str))
                return value if done(value) else None
        except Exception as e:  # noqa: BLE001
            if time.time() > deadline:
                emit(what, False, error='%s: %s' % (type(e).__name__, e))
                return None
        time.sleep(0.1)


def config(command, description='made by python-jenkins', quiet_period=None, param=True, publishers=''):
    params = '''
  <properties>
    <hudson.model.ParametersDefinitionProperty>
      <parameterDefinitions>
        <hudson.model.StringParameterDefinition>
          <name>GREETING</name>
          <description>what to say</description>
          <defaultValue>hello-default</defaultValue>
          <trim>false</trim>
        </hudson.model.StringParameterDefinition>
      </parameterDefinitions>
    </hudson.model.ParametersDefinitionProperty>
  </properties>''' if param else '\n  <properties/>'
    quiet = '' if quiet_period is None else '\n  <quietPeriod>%d</quietPeriod>' % quiet_period
    return '''<?xml version='1.1' encoding='UTF-8'?>
<project>
  <description>%s</description>
  <keepDependencies>false</keepDependencies>%s
  <scm class="hudson.scm.NullSCM"/>
  <canRoam>true</canRoam>
  <disabled>false</disabled>
  <blockBuildWhenDownstreamBuilding>false</blockBuildWhenDownstreamBuilding>
  <blockBuildWhenUpstreamBuilding>false</blockBuildWhenUpstreamBuilding>%s
  <triggers/>
  <concurrentBuild>false</concurrentBuild>
  <builders>
    <hudson.tasks.Shell>
      <command>%s</command>
      <configuredLocalRules/>
    </hudson.tasks.Shell>
  </builders>
  <publishers>%s</publishers>
  <buildWrappers/>
</project>
''' % (description, params, quiet, command, publishers)


def build_number_of(name, queue_id):
    item = poll(name, lambda: server.get_queue_item(queue_id),
                lambda i: isinstance(i, dict) and bool(i.get('executable')))
    return None if item is None else item['executable']['number']


def finished(name, job, number):
    return poll(name, lambda: server.get_build_info(job, number),
                lambda b: isinstance(b, dict) and b.get('building') is False)


# get_version skips python-jenkins' authentication step, so against a secured Jenkins it works
# only once another call has logged in, as in python-jenkins' own example.
call('get_whoami', server.get_whoami)
call('get_version', server.get_version)
call('get_jobs', server.get_jobs)
call('get_all_jobs', server.get_all_jobs)

call('create_job', server.create_job, 'pj-echo', config('echo "greeting is $GREETING"'))
call('job_exists', server.job_exists, 'pj-echo')
call('get_jobs_after_create', server.get_jobs)
call('get_job_config', server.get_job_config, 'pj-echo')
call('reconfig_job', server.reconfig_job, 'pj-echo', config('echo "greeting is $GREETING"', description='changed by reconfig_job'))
call('get_job_config_after_reconfig', server.get_job_config, 'pj-echo')
call('copy_job', server.copy_job, 'pj-echo', 'pj-copy')
call('job_exists_copy', server.job_exists, 'pj-copy')
call('rename_job', server.rename_job, 'pj-copy', 'pj-renamed')
call('job_exists_after_rename_old', server.job_exists, 'pj-copy')
call('job_exists_after_rename_new', server.job_exists, 'pj-renamed')
call('disable_job', server.disable_job, 'pj-echo')
call('get_job_info_disabled', lambda: server.get_job_info('pj-echo')['disabled'])
call('enable_job', server.enable_job, 'pj-echo')
call('get_job_info_enabled', lambda: server.get_job_info('pj-echo')['disabled'])

q1 = call('build_job_with_parameters', server.build_job, 'pj-echo', {'GREETING': 'hi-from-python'})
n1 = build_number_of('get_queue_item', q1) if q1 is not None else None
call('get_queue_info', server.get_queue_info)
call('get_job_info', server.get_job_info, 'pj-echo')
if n1 is not None:
    finished('get_build_info', 'pj-echo', n1)
    call('get_build_console_output', server.get_build_console_output, 'pj-echo', n1)
q2 = call('build_job_without_parameters', server.build_job, 'pj-echo')
n2 = build_number_of('get_queue_item_without_parameters', q2) if q2 is not None else None
if n2 is not None:
    finished('get_build_info_without_parameters', 'pj-echo', n2)
    call('get_build_console_output_without_parameters', server.get_build_console_output, 'pj-echo', n2)

# A build that records JUnit results: get_build_test_report answers them; a build without any, None.
if n1 is not None:
    call('get_build_test_report_none', server.get_build_test_report, 'pj-echo', n1)
REPORT = '''cat &gt; TEST-smoke.xml &lt;&lt;'EOF'
&lt;testsuite name="smoke" tests="2" failures="1"&gt;
&lt;testcase classname="smoke.Api" name="answers"/&gt;
&lt;testcase classname="smoke.Api" name="fails"&gt;&lt;failure message="expected 200"&gt;got 500&lt;/failure&gt;&lt;/testcase&gt;
&lt;/testsuite&gt;
EOF'''
JUNIT = '''
    <hudson.tasks.junit.JUnitResultArchiver plugin="junit@1265.v65b_14fa_f12f0">
      <testResults>TEST-*.xml</testResults>
      <keepLongStdio>false</keepLongStdio>
      <healthScaleFactor>1.0</healthScaleFactor>
      <allowEmptyResults>false</allowEmptyResults>
    </hudson.tasks.junit.JUnitResultArchiver>
  '''
call('create_job_tests', server.create_job, 'pj-tests', config(REPORT, param=False, publishers=JUNIT))
q5 = call('build_job_tests', server.build_job, 'pj-tests')
n5 = build_number_of('get_queue_item_tests', q5) if q5 is not None else None
if n5 is not None:
    finished('get_build_info_tests', 'pj-tests', n5)
    call('get_build_test_report', server.get_build_test_report, 'pj-tests', n5)

call('create_job_long', server.create_job, 'pj-long', config('sleep 60', param=False))
q3 = call('build_job_long', server.build_job, 'pj-long')
n3 = build_number_of('get_queue_item_long', q3) if q3 is not None else None
# get_running_builds asks for computer/<displayName>/api/json, i.e. "Built-In Node", which Jenkins
# (since 2.307) answers 404; Steward serves the built-in node under that name too.
poll('get_running_builds', server.get_running_builds,
     lambda rs: any(r['name'] == 'pj-long' and r['number'] == n3 for r in rs))


def running_on_built_in():
    info = server.get_node_info('(built-in)', depth=2)
    return [{'number': e['currentExecutable']['number'], 'url': e['currentExecutable']['url'], 'executor': e['number']}
            for e in info['executors'] if e.get('currentExecutable')]


poll('running_builds_on_built_in', running_on_built_in,
     lambda rs: any('/job/pj-long/' in r['url'] for r in rs))
if n3 is not None:
    call('stop_build', server.stop_build, 'pj-long', n3)
    finished('get_build_info_stopped', 'pj-long', n3)
    call('running_builds_on_built_in_after_stop', running_on_built_in)
    call('delete_build', server.delete_build, 'pj-long', n3)
    # python-jenkins 1.4.0's delete_build passes b'' as the request's headers, so adding the
    # crumb fails; the same POST with the body as data is what it means to send.
    call('delete_build_as_meant', lambda: server.jenkins_open(requests.Request(
        'POST', server._build_url('job/pj-long/%d/doDelete' % n3), data=b'')) and None)
    call('get_build_info_deleted', server.get_build_info, 'pj-long', n3)

nodes = call('get_nodes', server.get_nodes) or []
# python-jenkins 1.4.0 maps only the name 'master' to '(master)'; Jenkins >= 2.307 names it "Built-In Node".
for node in nodes:
    name = '(master)' if node['name'] == 'master' else node['name']
    call('get_node_info_by_display_name', server.get_node_info, name)
call('get_node_info', server.get_node_info, '(built-in)')
call('get_node_info_master', server.get_node_info, '(master)')
call('node_exists', server.node_exists, '(built-in)')
call('node_exists_missing', server.node_exists, 'no-such-node')
call('get_plugins', server.get_plugins)

call('set_next_build_number', server.set_next_build_number, 'pj-echo', 42)
call('next_build_number', lambda: server.get_job_info('pj-echo')['nextBuildNumber'])

call('create_job_quiet', server.create_job, 'pj-quiet', config('true', quiet_period=60, param=False))
q4 = call('build_job_quiet', server.build_job, 'pj-quiet')
call('get_queue_item_quiet', server.get_queue_item, q4)
call('cancel_queue', server.cancel_queue, q4)
call('get_queue_item_cancelled', server.get_queue_item, q4)
call('get_queue_info_after_cancel', server.get_queue_info)

for name in ('pj-echo', 'pj-renamed', 'pj-long', 'pj-quiet', 'pj-tests'):
    call('delete_job', server.delete_job, name)
    call('job_exists_after_delete', server.job_exists, name)
call('get_jobs_after_delete', server.get_jobs)

# Jobs that use what Steward does not run: create_job and reconfig_job ignore the JSON body that
# lists it, and get_job_info carries the list (real configs, sources in fixtures/jenkins-jobs).
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fixtures', 'jenkins-jobs')


def fixture(name):
    with open(os.path.join(FIXTURES, name), encoding='utf-8') as f:
        return f.read()


call('create_job_not_run', server.create_job, 'pj-seed', fixture('seed-on-master.xml'))
call('reconfig_job_not_run', server.reconfig_job, 'pj-seed', fixture('jacoco-publisher.xml'))
call('get_job_info_not_run', lambda: [(e['kind'], e['name'], e['treatment']) for e in server.get_job_info('pj-seed')['notRun']])
call('delete_job_not_run', server.delete_job, 'pj-seed')
