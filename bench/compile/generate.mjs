// Generates a realistic pcmod module of about `lines` lines (config fields, nested ifs, lets, headers,
// interpolation, std calls), used by the compile benchmark and the compiler's scale test.
export function generateLargeModule(lines) {
  const out = ['mod generated', 'version 1.0.0', 'priority 500', '', 'config {', '  enabled bool true'];
  for (let i = 0; i < 50; i++) out.push(`  prefix_${i} str "/p${i}/"`);
  out.push('}', '', 'on_request {');
  let i = 0;
  while (out.length < lines - 20) {
    out.push(`  if path starts_with $prefix_${i % 50} && method == "GET" {`);
    out.push(`    let v_${i} = header("X-Test-${i}")`);
    out.push(`    if v_${i} == "${i}" || query_param("q") contains "${i}" {`);
    out.push(`      set_header "X-Branch" "${i} for \${client_ip}"`);
    out.push(`      set_ctx hit_${i} "yes"`);
    out.push('    } else {');
    out.push(`      log debug "branch ${i} skipped for $prefix_${i % 50}"`);
    out.push('    }');
    out.push('  }');
    i++;
  }
  out.push(
    '  set_header "X-Done" "1"',
    '}',
    '',
    'on_response {',
    '  if status >= 500 {',
    '    set_header "X-Failed" "1"',
    '  }',
    '}',
    '',
  );
  return out.join('\n');
}
